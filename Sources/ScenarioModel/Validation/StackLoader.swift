import Foundation
import StackModel

/// Reads a stack file from disk and validates it.
public struct StackLoader: Sendable {
    /// The largest stack file read; the todo stack's is under 4 KiB.
    public static let maxFileSize = SourceFile.maxBytes

    public var parser = StackParser()

    public init() {}

    /// Loads the stack file at `path`, or `<path>/labrun.yaml` when `path` is a directory.
    /// `displayPath` is how errors name the file or directory (default: the path as given).
    public func load(pathOrDirectory path: String, displayPath: String? = nil) throws(ScenarioValidationError) -> Stack {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), isDirectory.boolValue else {
            return try load(file: path, displayPath: displayPath)
        }
        let shown = ((displayPath ?? path) as NSString).appendingPathComponent(Stack.fileName)
        let file = (path as NSString).appendingPathComponent(Stack.fileName)
        guard FileManager.default.fileExists(atPath: file) else {
            throw Self.failure(shown, "no \(Stack.fileName) in this directory; a stack's directory holds its stack file "
                               + "(the format is in specs/stack-format.md)")
        }
        return try load(file: file, displayPath: shown)
    }

    /// Loads one stack file. `displayPath` is how errors name it (default: the path as given). Read as
    /// `SourceFile` reads: a regular file of at most 1 MiB (a FIFO, a device or a directory is refused
    /// by its kind, without waiting on it).
    public func load(file path: String, displayPath: String? = nil) throws(ScenarioValidationError) -> Stack {
        let shown = displayPath ?? path
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), isDirectory.boolValue {
            throw Self.failure(shown, "is a directory; name the stack file in it (\(Stack.fileName))")
        }
        let bytes: [UInt8]
        switch SourceFile.read(path, shown: shown, noun: "stack file", maxBytes: Self.maxFileSize) {
        case .success(let read): bytes = read
        case .failure(let error): throw ScenarioValidationError(errors: [error])
        }
        return try parse(bytes: bytes, file: shown, absolutePath: URL(fileURLWithPath: path).path).get()
    }

    /// Parses the bytes of a stack file as `load(file:)` does once it has read them: at most 1 MiB of
    /// UTF-8 text (a byte-order mark is dropped). `file` names it in errors; `absolutePath` is where it is.
    public func parse(bytes: [UInt8], file: String, absolutePath: String) -> Result<Stack, ScenarioValidationError> {
        guard bytes.count <= Self.maxFileSize else {
            return .failure(Self.failure(file, "is \(bytes.count) bytes; a stack file is at most 1 MiB of YAML"))
        }
        switch SourceFile.decode(bytes, shown: file) {
        case .success(let text): return parser.parse(yaml: text, file: file, absolutePath: absolutePath)
        case .failure(let error): return .failure(ScenarioValidationError(errors: [error]))
        }
    }

    private static func failure(_ file: String, _ message: String) -> ScenarioValidationError {
        ScenarioValidationError(errors: [ScenarioError(file: file, line: 1, column: 1, path: "", message: message)])
    }
}
