import Foundation
import StackModel
import Yams

/// Turns the text of a stack file (`labrun.yaml`) into a `Stack`, or into every problem found in it.
///
/// The same toolkit as `ScenarioParser`: each problem carries file, line, column and key path, all
/// problems of a file are collected, and nothing is returned unless the whole file is valid. The
/// format is in `specs/stack-format.md`. Pure: it reads no file (`StackLoader` does).
public struct StackParser: Sendable {
    public init() {}

    /// Parses and validates `yaml`. `file` names the file in errors; `absolutePath` is where it is
    /// (`Stack.file`; `Stack.root` is resolved from its directory). A relative `absolutePath` is taken
    /// from the current directory.
    public func parse(yaml: String, file: String, absolutePath: String) -> Result<Stack, ScenarioValidationError> {
        let reader = YAMLReader(file: file)
        let root: Node
        switch reader.compose(yaml, noun: "stack file", startsWith: "a stack file starts with apiVersion: \(Stack.apiVersion)") {
        case .success(let node): root = node
        case .failure(let error): return .failure(error)
        }
        let document = Located(node: root, path: .root)
        // A value with a control character is reported for that alone, not also as a bad name or header.
        let controlled = reader.refuseControlCharacters(in: document)
        let session = StackParseSession(reader: reader, file: URL(fileURLWithPath: absolutePath).standardized.path)
        let stack = session.stack(document)
        let errors = reader.errorsInFileOrder(reportedFirst: controlled)
        if let stack, errors.isEmpty { return .success(stack) }
        return .failure(ScenarioValidationError(errors: errors))
    }
}
