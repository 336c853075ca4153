import Yams

/// Turns Yams' syntax errors into positioned `ScenarioError`s.
enum YAMLSyntaxError {
    static func convert(_ error: any Error, file: String) -> ScenarioError {
        guard let yamlError = error as? YamlError else {
            return ScenarioError(file: file, line: 1, column: 1, path: "", message: "cannot read YAML: \(error)")
        }
        switch yamlError {
        case .composer(_, "but found another document", let mark, _):
            return ScenarioError(file: file, line: mark.line, column: mark.column, path: "",
                                 message: "a second YAML document starts here; the file must hold one document (remove the ---)")
        case .scanner(let context, let problem, let mark, _),
             .parser(let context, let problem, let mark, _),
             .composer(let context, let problem, let mark, _):
            let while_ = context.map { " (\($0.text) at line \($0.mark.line))" } ?? ""
            return ScenarioError(file: file, line: mark.line, column: mark.column, path: "",
                                 message: "YAML syntax error: \(problem)\(while_)")
        case .duplicatedKeysInMapping(let duplicates, let context):
            let keys = duplicates.sorted().map { "\"\($0)\"" }.joined(separator: ", ")
            return ScenarioError(file: file, line: context.mark.line, column: context.mark.column, path: "",
                                 message: "duplicate key \(keys) in one mapping; each key may appear once")
        case .reader(let problem, _, _, _):
            return ScenarioError(file: file, line: 1, column: 1, path: "", message: "cannot read the file: \(problem)")
        default:
            return ScenarioError(file: file, line: 1, column: 1, path: "", message: "cannot read YAML: \(yamlError)")
        }
    }
}

extension YAMLReader {
    /// The root of the one YAML document in `yaml`, or the error that it is not YAML, is empty
    /// (`startsWith` names the format's first line, e.g. "a scenario starts with …") or uses anchors
    /// and aliases, which are refused before composing: composing an alias bomb already takes
    /// exponential time and memory (see `YAMLAnchorScan`).
    func compose(_ yaml: String, noun: String, startsWith: String) -> Result<Node, ScenarioValidationError> {
        let scan = YAMLAnchorScan(yaml)
        if let first = scan.first {
            func count(_ n: Int, _ one: String, _ many: String) -> String? { n == 0 ? nil : "\(n) \(n == 1 ? one : many)" }
            let found = [count(scan.anchors.count, "anchor", "anchors"), count(scan.aliases.count, "alias", "aliases")]
                .compactMap { $0 }.joined(separator: " and ")
            self.error("YAML anchors and aliases are not allowed in a \(noun) (found \(found); the first is here); "
                       + "write each value out in full", line: first.line, column: first.column, .root)
            return .failure(ScenarioValidationError(errors: errors))
        }
        let root: Node?
        do {
            root = try Yams.compose(yaml: yaml)
        } catch {
            return .failure(ScenarioValidationError(errors: [YAMLSyntaxError.convert(error, file: file)]))
        }
        guard let root else {
            self.error("the file is empty; \(startsWith)", line: 1, column: 1, .root)
            return .failure(ScenarioValidationError(errors: errors))
        }
        return .success(root)
    }
}
