import Yams

/// A YAML syntax error as a position and libyaml's own words, never the offending text: Yams' own
/// description quotes the line with a caret under it, and in a kubeconfig that line may be a
/// `client-key-data` value — a whole private key.
public struct YAMLProblem: Sendable, Equatable {
    /// 1-based; 0 when the parser gave none.
    public let line: Int
    public let column: Int
    /// What libyaml said (`mapping values are not allowed in this context`), with its context.
    public let problem: String

    /// The position and words of `error` (any error Yams throws); nil for other errors.
    public init?(_ error: any Error) {
        guard let yaml = error as? YamlError else { return nil }
        (line, column, problem) = Self.parts(yaml)
    }

    private static func parts(_ yaml: YamlError) -> (Int, Int, String) {
        switch yaml {
        case .scanner(let context, let problem, let mark, _),
             .parser(let context, let problem, let mark, _),
             .composer(let context, let problem, let mark, _):
            let during = context.map { " (\($0.text), from line \($0.mark.line))" } ?? ""
            return (mark.line, mark.column, problem + during)
        case .duplicatedKeysInMapping(let duplicates, let context):
            let keys = duplicates.sorted().map { String($0.prefix(64)) }.joined(separator: ", ")
            return (context.mark.line, context.mark.column, "a key appears twice in one mapping: \(keys)")
        case .reader(let problem, _, _, _):
            return (0, 0, "the text cannot be read: \(problem)")
        case .dataCouldNotBeDecoded:
            return (0, 0, "the text is not UTF-8")
        default:
            return (0, 0, "libyaml failed")
        }
    }
}
