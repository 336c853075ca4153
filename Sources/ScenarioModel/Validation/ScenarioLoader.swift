import Foundation
import StackModel
import Yams

/// Reads scenario files from disk and validates them against a stack; nothing runs unless every file is valid.
///
/// Reading is bounded and fails closed (see `SourceFile`): regular files of at most 1 MiB, no link out
/// of the scenario directory, UTF-8 text; then the parser's own limits apply (see `YAMLEventScan`).
public struct ScenarioLoader: Sendable {
    public var parser: ScenarioParser

    public init(stack: Stack) { parser = ScenarioParser(stack: stack) }

    /// Loads one file. `displayPath` is how errors name it (default: the path as given). A symbolic
    /// link to a file outside the file's own directory is refused.
    public func load(file path: String, displayPath: String? = nil) throws(ScenarioValidationError) -> Scenario {
        try load(file: path, displayPath: displayPath, within: (path as NSString).deletingLastPathComponent)
    }

    /// Parses the bytes of a scenario file as `load(file:)` does once it has read them: at most 1 MiB
    /// of UTF-8 text (a byte-order mark is dropped). `file` names it in errors; when `expectedName` is
    /// given, `metadata.name` must equal it.
    public func parse(bytes: [UInt8], file: String, expectedName: String? = nil) -> Result<Scenario, ScenarioValidationError> {
        guard bytes.count <= SourceFile.maxBytes else {
            return .failure(ScenarioValidationError(errors: [ScenarioError(
                file: file, line: 1, column: 1, path: "",
                message: "is \(bytes.count) bytes; a scenario file is at most \(SourceFile.maxBytes >> 20) MiB of YAML")]))
        }
        switch SourceFile.decode(bytes, shown: file) {
        case .success(let text): return parser.parse(yaml: text, file: file, expectedName: expectedName)
        case .failure(let error): return .failure(ScenarioValidationError(errors: [error]))
        }
    }

    /// Loads every `*.yaml` / `*.yml` file of a directory (sorted by name; hidden files, whose names
    /// start with a dot, are editors' and are skipped), reporting the errors of all files together.
    /// Error positions name files as `displayPrefix/<file>` (default: the directory as given). Two
    /// files may not hold scenarios of one name (`x.yaml` and `x.yml`).
    public func load(directory: String, displayPrefix: String? = nil) throws(ScenarioValidationError) -> [Scenario] {
        let prefix = displayPrefix ?? directory
        let names: [String]
        do {
            names = try FileManager.default.contentsOfDirectory(atPath: directory)
                .filter { !$0.hasPrefix(".") && ($0.hasSuffix(".yaml") || $0.hasSuffix(".yml")) }.sorted()
        } catch {
            var isDirectory: ObjCBool = false
            let exists = FileManager.default.fileExists(atPath: directory, isDirectory: &isDirectory)
            let why = !exists ? "does not exist" : !isDirectory.boolValue ? "is not a directory" : "cannot be listed (permission denied?)"
            throw ScenarioValidationError(errors: [ScenarioError(file: prefix, line: 1, column: 1, path: "",
                                                                 message: "the scenario directory \(why)")])
        }
        var scenarios: [Scenario] = []
        var errors: [ScenarioError] = []
        var firstFile: [String: String] = [:]
        for name in names {
            let path = (directory as NSString).appendingPathComponent(name)
            let shown = prefix.isEmpty ? name : (prefix as NSString).appendingPathComponent(name)
            do throws(ScenarioValidationError) {
                let scenario = try load(file: path, displayPath: shown, within: directory)
                if let first = firstFile[scenario.name] {
                    errors.append(Self.duplicate(scenario.name, in: path, shown: shown, first: first))
                    continue
                }
                firstFile[scenario.name] = shown
                scenarios.append(scenario)
            } catch {
                errors += error.errors
            }
        }
        guard errors.isEmpty else { throw ScenarioValidationError(errors: errors) }
        return scenarios
    }

    private func load(file path: String, displayPath: String?, within directory: String) throws(ScenarioValidationError) -> Scenario {
        let shown = displayPath ?? path
        let bytes: [UInt8]
        switch SourceFile.read(path, shown: shown, noun: "scenario file", within: directory) {
        case .success(let read): bytes = read
        case .failure(let error): throw ScenarioValidationError(errors: [error])
        }
        let name = URL(fileURLWithPath: path).deletingPathExtension().lastPathComponent
        return try parse(bytes: bytes, file: shown, expectedName: name).get()
    }

    /// The error of a second scenario named `name`, at its `metadata.name` (found again in the file,
    /// which was valid a moment ago).
    private static func duplicate(_ name: String, in path: String, shown: String, first: String) -> ScenarioError {
        let text = (try? String(contentsOfFile: path, encoding: .utf8)) ?? ""
        let mark = (try? Yams.compose(yaml: text))?["metadata"]?["name"]?.mark
        return ScenarioError(file: shown, line: mark?.line ?? 1, column: mark?.column ?? 1, path: "metadata.name",
                             message: "the scenario name \(ScenarioError.quote(name)) is already used by \(first); "
                                 + "each scenario needs its own name (remove or rename one of the two files)")
    }
}
