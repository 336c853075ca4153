import Foundation
import StackModel

/// Reads scenario files from disk and validates them against a stack; nothing runs unless every file is valid.
public struct ScenarioLoader: Sendable {
    public var parser: ScenarioParser

    public init(stack: Stack) { parser = ScenarioParser(stack: stack) }

    /// Loads one file. `displayPath` is how errors name it (default: the path as given).
    public func load(file path: String, displayPath: String? = nil) throws(ScenarioValidationError) -> Scenario {
        let shown = displayPath ?? path
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ScenarioValidationError(errors: [ScenarioError(file: shown, line: 1, column: 1, path: "",
                                                                 message: "cannot read the file (does it exist?)")])
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw ScenarioValidationError(errors: [ScenarioError(file: shown, line: 1, column: 1, path: "",
                                                                 message: "the file is not UTF-8 text")])
        }
        let name = URL(fileURLWithPath: path).deletingPathExtension().lastPathComponent
        return try parser.parse(yaml: text, file: shown, expectedName: name).get()
    }

    /// Loads every `*.yaml` / `*.yml` file of a directory (sorted by name), reporting the errors of all
    /// files together. Error positions name files as `displayPrefix/<file>` (default: the directory as given).
    public func load(directory: String, displayPrefix: String? = nil) throws(ScenarioValidationError) -> [Scenario] {
        let prefix = displayPrefix ?? directory
        let names: [String]
        do {
            names = try FileManager.default.contentsOfDirectory(atPath: directory)
                .filter { $0.hasSuffix(".yaml") || $0.hasSuffix(".yml") }.sorted()
        } catch {
            throw ScenarioValidationError(errors: [ScenarioError(file: prefix, line: 1, column: 1, path: "",
                                                                 message: "cannot list the directory (does it exist?)")])
        }
        var scenarios: [Scenario] = []
        var errors: [ScenarioError] = []
        for name in names {
            let path = (directory as NSString).appendingPathComponent(name)
            let shown = prefix.isEmpty ? name : (prefix as NSString).appendingPathComponent(name)
            do throws(ScenarioValidationError) {
                scenarios.append(try load(file: path, displayPath: shown))
            } catch {
                errors += error.errors
            }
        }
        guard errors.isEmpty else { throw ScenarioValidationError(errors: errors) }
        return scenarios
    }
}
