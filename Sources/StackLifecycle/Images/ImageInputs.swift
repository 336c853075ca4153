import Foundation
import LabrunCore
import StackModel

/// The files each image is built from, and the content hash that names the image's tag.
///
/// The hash covers every file (path, executable bit, bytes) under the image's `inputs` in the
/// stack file, sorted by path, so it is stable across machines and checkouts and changes when any
/// input changes. Caches and byte-code (`__pycache__`, `.pytest_cache`, `*.pyc`) are skipped.
public struct ImageInputs: Sendable {
    /// The directory the inputs are relative to (the stack's root).
    public let root: String

    public init(root: String) { self.root = root }

    static let skippedNames: Set<String> = ["__pycache__", ".pytest_cache", ".mypy_cache", ".DS_Store", ".git"]

    /// The input files of `image`, relative to the root, sorted. Missing paths are skipped
    /// (an optional input such as `.dockerignore`), but at least one file must exist.
    public func files(for image: StackImage) throws -> [String] {
        let fm = FileManager.default
        var files: [String] = []
        for relative in image.inputs {
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
                id: ErrorID.imageInputsMissing, exitCode: ExitCode.invalidInput,
                message: "None of the inputs of the \(image.name) image exist under \(root) (looked for \(image.inputs.joined(separator: ", "))).",
                advice: "Check images.\(image.name).inputs and root in the stack file, or run labrun from a complete checkout.")
        }
        return files.sorted()
    }

    /// The full SHA-256 of `image`'s inputs.
    public func hash(for image: StackImage) throws -> String {
        var hasher = SHA256()
        hasher.update("labrun-image-inputs-v1\0\(image.name)\0")
        let fm = FileManager.default
        for relative in try files(for: image) {
            let path = root + "/" + relative
            guard let data = fm.contents(atPath: path) else {
                throw LabrunError(id: ErrorID.imageInputUnreadable, exitCode: ExitCode.external,
                                  message: "Could not read \(path), an input of the \(image.name) image.")
            }
            let executable = fm.isExecutableFile(atPath: path) ? "x" : "-"
            hasher.update("\(relative)\0\(executable)\0\(data.count)\0")
            hasher.update(data)
        }
        return hasher.finalizeHex()
    }

    /// The image tag: the first 12 hex characters of the input hash.
    public func tag(for image: StackImage) throws -> String {
        String(try hash(for: image).prefix(12))
    }
}
