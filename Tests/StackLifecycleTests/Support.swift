import Foundation
import LabrunCore

/// A scratch repository with the files the images are built from.
struct ScratchRepo {
    let root: String

    init() throws {
        root = FileManager.default.temporaryDirectory.appendingPathComponent("labrun-stack-\(UUID().uuidString)").path
        try write("docker/build.sh", "#!/bin/sh\necho build\n", executable: true)
        try write("docker/base/debian-rootfs.sh", "debootstrap\n")
        try write("docker/Dockerfile.backend", "FROM base\nCOPY stack/backend/app /srv\n")
        try write("docker/Dockerfile.frontend", "FROM nginx\n")
        try write("docker/Dockerfile.postgres", "FROM postgres\n")
        try write("docker/frontend/nginx.conf.template", "server {}\n")
        try write("docker/postgres/entrypoint.sh", "#!/bin/sh\n", executable: true)
        try write("docker/pip-tools.txt", "pip-tools==7\n")
        try write("stack/backend/app/main.py", "print('hi')\n")
        try write("stack/backend/requirements.txt", "fastapi==0.1\n")
        try write("stack/frontend/index.html", "<html></html>\n")
    }

    func write(_ relative: String, _ text: String, executable: Bool = false) throws {
        let path = root + "/" + relative
        try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        _ = FileManager.default.createFile(atPath: path, contents: Data(text.utf8),
                                           attributes: [.posixPermissions: executable ? 0o755 : 0o644])
    }

    /// A copy of this repository somewhere else.
    func copy() throws -> ScratchRepo {
        let other = FileManager.default.temporaryDirectory.appendingPathComponent("labrun-stack-\(UUID().uuidString)").path
        try FileManager.default.copyItem(atPath: root, toPath: other)
        return ScratchRepo(existing: other)
    }

    private init(existing: String) { root = existing }
}

/// A process runner whose `docker image inspect` answers change once an image is built.
final class FakeDocker: ProcessRunner, @unchecked Sendable {
    private let lock = NSLock()
    private var images: Set<String>
    private var log: [String] = []

    init(images: Set<String> = []) { self.images = images }

    var commandLines: [String] { lock.withLock { log } }

    func run(_ command: Command) async throws -> ProcessOutput {
        lock.withLock {
            log.append(([command.executable] + command.arguments).joined(separator: " "))
            if command.arguments.starts(with: ["image", "inspect"]), let reference = command.arguments.last {
                return ProcessOutput(exitCode: images.contains(reference) ? 0 : 1)
            }
            if command.executable.hasSuffix("docker/build.sh"),
               let tagIndex = command.arguments.firstIndex(of: "--tag"), let only = command.arguments.last {
                images.insert("labrun/todo-\(only):\(command.arguments[tagIndex + 1])")
            }
            return ProcessOutput(exitCode: 0)
        }
    }

    func start(_ command: Command, logPath: String?) async throws -> any BackgroundProcess {
        throw LabrunError(id: "UNEXPECTED", message: "nothing should start in the background")
    }

    func which(_ name: String) -> String? { "/usr/bin/\(name)" }
}
