import Foundation
import LabrunCore
import StackModel

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

    /// A stack file's model for this repository: three images built by its build script (as the todo
    /// stack's are) and one by a Dockerfile.
    var stack: Stack {
        let common = ["docker/build.sh", "docker/base"]
        func scripted(_ name: String, _ inputs: [String]) -> StackImage {
            StackImage(name: name, repository: "example/\(name)", inputs: common + inputs,
                       build: .command(["docker/build.sh", "--tag", "${tag}", "--only", name]))
        }
        return Stack(
            name: "example", description: "A scratch stack.", file: root + "/labrun.yaml", root: root,
            images: [
                scripted("backend", ["docker/Dockerfile.backend", "stack/backend/app", "stack/backend/requirements.txt"]),
                scripted("frontend", ["docker/Dockerfile.frontend", "docker/frontend", "stack/frontend"]),
                StackImage(name: "postgres", repository: "example/postgres", inputs: ["docker/Dockerfile.postgres", "docker/postgres"],
                           build: .dockerfile(context: "docker", dockerfile: "docker/Dockerfile.postgres", args: ["PG": "15"])),
            ],
            deploy: StackDeploy(source: .kustomize(directory: "kubernetes")),
            workloads: [StackWorkload(name: "backend", kind: .deployment, role: .api, service: StackService(name: "backend", port: 8000))],
            headers: ResponseHeaders(), database: nil,
            traffic: StackTraffic(workload: "backend", operations: [TrafficOperation(name: "get", method: "GET", path: "/")]),
            ledgers: [])
    }

    func image(_ name: String) -> StackImage { stack.images.first { $0.name == name }! }
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
                images.insert("example/\(only):\(command.arguments[tagIndex + 1])")
            }
            if command.executable == "docker", command.arguments.first == "build",
               let tagIndex = command.arguments.firstIndex(of: "--tag") {
                images.insert(command.arguments[tagIndex + 1])
            }
            return ProcessOutput(exitCode: 0)
        }
    }

    func start(_ command: Command, logPath: String?) async throws -> any BackgroundProcess {
        throw LabrunError(id: "UNEXPECTED", message: "nothing should start in the background")
    }

    func which(_ name: String) -> String? { "/usr/bin/\(name)" }
}
