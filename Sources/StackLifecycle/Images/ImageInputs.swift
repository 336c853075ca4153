import Foundation
import LabrunCore

/// The files each image is built from, and the content hash that names the image's tag.
///
/// The hash covers every file (path, executable bit, bytes) under the component's inputs,
/// sorted by path, so it is stable across machines and checkouts and changes when any input
/// changes. Caches and byte-code (`__pycache__`, `.pytest_cache`, `*.pyc`) are skipped; the
/// backend's downloaded wheels are covered through the lock files they come from.
public struct ImageInputs: Sendable {
    public let root: String

    public init(root: String) { self.root = root }

    /// Inputs shared by every image: the build script and the offline base-image recipes.
    public static let common = ["docker/build.sh", "docker/base", "docker/.dockerignore"]

    /// Paths (files or directories, relative to the repository) that feed `component`'s image.
    public static func paths(for component: StackComponent) -> [String] {
        switch component {
        case .backend:
            return common + ["docker/Dockerfile.backend", "stack/backend/app", "stack/backend/requirements.txt",
                             "docker/pip-tools.txt"]
        case .frontend:
            return common + ["docker/Dockerfile.frontend", "docker/frontend", "stack/frontend"]
        case .postgres:
            return common + ["docker/Dockerfile.postgres", "docker/postgres"]
        }
    }

    static let skippedNames: Set<String> = ["__pycache__", ".pytest_cache", ".mypy_cache", ".DS_Store", ".git"]

    /// The input files of `component`, relative to the root, sorted. Missing paths are skipped
    /// (an optional input such as `.dockerignore`), but at least one file must exist.
    public func files(for component: StackComponent) throws -> [String] {
        let fm = FileManager.default
        var files: [String] = []
        for relative in Self.paths(for: component) {
            let absolute = root + "/" + relative
            var isDirectory: ObjCBool = false
            guard fm.fileExists(atPath: absolute, isDirectory: &isDirectory) else { continue }
            if !isDirectory.boolValue { files.append(relative); continue }
            guard let walker = fm.enumerator(atPath: absolute) else { continue }
            while let entry = walker.nextObject() as? String {
                let name = (entry as NSString).lastPathComponent
                if Self.skippedNames.contains(name) { walker.skipDescendants(); continue }
                if name.hasSuffix(".pyc") { continue }
                var entryIsDirectory: ObjCBool = false
                if fm.fileExists(atPath: absolute + "/" + entry, isDirectory: &entryIsDirectory), !entryIsDirectory.boolValue {
                    files.append(relative + "/" + entry)
                }
            }
        }
        guard !files.isEmpty else {
            throw LabrunError(
                id: "IMAGE_INPUTS_MISSING", exitCode: ExitCode.invalidInput,
                message: "None of the inputs of the \(component.rawValue) image exist under \(root) (looked for \(Self.paths(for: component).joined(separator: ", "))).",
                advice: "Run labrun from a complete checkout of the repository, or set LABRUN_ROOT.")
        }
        return files.sorted()
    }

    /// The full SHA-256 of `component`'s inputs.
    public func hash(for component: StackComponent) throws -> String {
        var hasher = SHA256()
        hasher.update("labrun-image-inputs-v1\0\(component.rawValue)\0")
        let fm = FileManager.default
        for relative in try files(for: component) {
            let path = root + "/" + relative
            guard let data = fm.contents(atPath: path) else {
                throw LabrunError(id: "IMAGE_INPUT_UNREADABLE", exitCode: ExitCode.external,
                                  message: "Could not read \(path), an input of the \(component.rawValue) image.")
            }
            let executable = fm.isExecutableFile(atPath: path) ? "x" : "-"
            hasher.update("\(relative)\0\(executable)\0\(data.count)\0")
            hasher.update(data)
        }
        return hasher.finalizeHex()
    }

    /// The image tag: the first 12 hex characters of the input hash.
    public func tag(for component: StackComponent) throws -> String {
        String(try hash(for: component).prefix(12))
    }
}
