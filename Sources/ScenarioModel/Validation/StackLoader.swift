import Foundation
import StackModel

/// Reads a stack file from disk and validates it.
public struct StackLoader: Sendable {
    /// The largest stack file read; the todo stack's is under 4 KiB.
    public static let maxFileSize = 1 << 20

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

    /// Loads one stack file. `displayPath` is how errors name it (default: the path as given).
    public func load(file path: String, displayPath: String? = nil) throws(ScenarioValidationError) -> Stack {
        let shown = displayPath ?? path
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), isDirectory.boolValue {
            throw Self.failure(shown, "is a directory; name the stack file in it (\(Stack.fileName))")
        }
        guard let handle = FileHandle(forReadingAtPath: path) else {
            throw Self.failure(shown, "cannot read the file (does it exist, and may labrun read it?)")
        }
        defer { try? handle.close() }
        let data: Data
        do {
            data = try handle.read(upToCount: Self.maxFileSize + 1) ?? Data()
        } catch {
            throw Self.failure(shown, "cannot read the file: \(error.localizedDescription)")
        }
        guard data.count <= Self.maxFileSize else {
            throw Self.failure(shown, "the file is larger than 1 MiB; a stack file is a few kilobytes of YAML (is this the right file?)")
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw Self.failure(shown, "the file is not UTF-8 text")
        }
        return try parser.parse(yaml: text, file: shown, absolutePath: URL(fileURLWithPath: path).path).get()
    }

    private static func failure(_ file: String, _ message: String) -> ScenarioValidationError {
        ScenarioValidationError(errors: [ScenarioError(file: file, line: 1, column: 1, path: "", message: message)])
    }
}
