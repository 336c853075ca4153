import StackModel
import Yams

/// Turns the text of a scenario file into a `Scenario`, or into every problem found in it.
///
/// Uses Yams' `Node` tree (not `Decodable`) so that each problem carries its line and column.
/// All problems of a file are collected, not just the first; nothing is returned unless the
/// whole file is valid. Names of workloads, Services and operations are checked against `stack`.
public struct ScenarioParser: Sendable {
    /// The stack whose names the scenario may use.
    public var stack: Stack

    public init(stack: Stack) { self.stack = stack }

    /// Keys whose values are data sent or compared as they are (bodies, expected JSON and rows, SQL
    /// parameters, Helm values): tabs and line breaks are allowed there.
    static let freeFormKeys: Set<String> = ["body", "json", "rows", "value", "params", "values"]

    /// Parses and validates `yaml`. `file` is used in error positions; when `expectedName` is given,
    /// `metadata.name` must equal it (the file name without `.yaml`).
    public func parse(yaml: String, file: String, expectedName: String? = nil) -> Result<Scenario, ScenarioValidationError> {
        let reader = YAMLReader(file: file)
        let root: Node
        switch reader.compose(yaml, noun: "scenario file", startsWith: "a scenario starts with apiVersion: \(Scenario.apiVersion)") {
        case .success(let node): root = node
        case .failure(let error): return .failure(error)
        }
        let document = Located(node: root, path: .root)
        // Request bodies and expected JSON may hold tabs and line breaks; nothing may hold ESC or NUL.
        let controlled = reader.refuseControlCharacters(in: document, freeForm: Self.freeFormKeys)
        let session = ParseSession(reader: reader, stack: stack)
        let scenario = session.scenario(document, expectedName: expectedName)
        let errors = reader.errorsInFileOrder(reportedFirst: controlled)
        if let scenario, errors.isEmpty { return .success(scenario) }
        return .failure(ScenarioValidationError(errors: errors))
    }
}
