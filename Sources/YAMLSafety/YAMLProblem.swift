import Yams

/// A YAML syntax error as a position and libyaml's own words, never the offending text: Yams' own
/// description quotes the line with a caret under it, and in a kubeconfig that line may be a
/// `client-key-data` value — a whole private key.
public struct YAMLProblem: Sendable, Equatable {
    /// 1-based; 0 when the parser gave none.
    public var line: Int
    public var column: Int
    /// What libyaml said (`mapping values are not allowed in this context`), with its context.
    public var problem: String

    public init(line: Int, column: Int, problem: String) {
        self.line = line
        self.column = column
        self.problem = problem
    }

    /// The position and words of `error` (any error Yams throws); nil for other errors.
    public init?(_ error: any Error) {
        guard let yaml = error as? YamlError else { return nil }
        switch yaml {
        case .scanner(let context, let problem, let mark, _),
             .parser(let context, let problem, let mark, _),
             .composer(let context, let problem, let mark, _):
            let during = context.map { " (\($0.text), from line \($0.mark.line))" } ?? ""
            self.init(line: mark.line, column: mark.column, problem: problem + during)
        case .duplicatedKeysInMapping(let duplicates, let context):
            let keys = duplicates.sorted().map { String($0.prefix(64)) }.joined(separator: ", ")
            self.init(line: context.mark.line, column: context.mark.column, problem: "a key appears twice in one mapping: \(keys)")
        case .reader(let problem, _, _, _):
            self.init(line: 0, column: 0, problem: "the text cannot be read: \(problem)")
        case .dataCouldNotBeDecoded:
            self.init(line: 0, column: 0, problem: "the text is not UTF-8")
        default:
            self.init(line: 0, column: 0, problem: "libyaml failed")
        }
    }
}
