import YAMLSafety
import Foundation
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
        case .scanner(_, let problem, let mark, _) where problem.hasPrefix("Maximum nesting level reached"),
             .parser(_, let problem, let mark, _) where problem.hasPrefix("Maximum nesting level reached"):
            // libyaml's own limit (1,000 levels), met before the event scan's when brackets open a thousand
            // levels at once: the scanner reads them all ahead of the first event.
            return ScenarioError(file: file, line: mark.line, column: mark.column, path: "",
                                 message: "nested more than \(YAMLEventScan.maxDepth) levels deep here (is a bracket left open?)")
        case .scanner(let context, let problem, let mark, _),
             .parser(let context, let problem, let mark, _),
             .composer(let context, let problem, let mark, _):
            let while_ = context.map { " (\($0.text) at line \($0.mark.line))" } ?? ""
            return ScenarioError(file: file, line: mark.line, column: mark.column, path: "",
                                 message: "YAML syntax error: \(problem)\(while_)")
        case .duplicatedKeysInMapping(let duplicates, let context):
            let keys = duplicates.sorted().map { ScenarioError.quote($0) }.joined(separator: ", ")
            return ScenarioError(file: file, line: context.mark.line, column: context.mark.column, path: "",
                                 message: "duplicate key \(keys) in one mapping; each key may appear once")
        case .reader(let problem, let offset, let value, let yaml):
            let (line, column) = position(ofByte: offset ?? 0, in: yaml)
            if problem == "control characters are not allowed", let scalar = Unicode.Scalar(UInt32(bitPattern: value)) {
                return ScenarioError(file: file, line: line, column: column, path: "",
                                     message: "contains the control character \(String(format: "U+%04X", scalar.value)), which YAML "
                                         + "does not allow; remove it (write \\t, \\e or \\u escapes in a double-quoted string instead)")
            }
            return ScenarioError(file: file, line: line, column: column, path: "", message: "cannot read the file: \(problem)")
        default:
            return ScenarioError(file: file, line: 1, column: 1, path: "", message: "cannot read YAML: \(yamlError)")
        }
    }
}

extension YAMLSyntaxError {
    /// The 1-based line and column (in characters) of byte `offset` of `text`.
    static func position(ofByte offset: Int, in text: String) -> (line: Int, column: Int) {
        var line = 1, column = 1
        for scalar in String(decoding: text.utf8.prefix(max(offset, 0)), as: UTF8.self).unicodeScalars {
            if scalar == "\n" { line += 1; column = 1 } else { column += 1 }
        }
        return (line, column)
    }
}

extension YAMLReader {
    /// The root of the one YAML document in `yaml`, or the error that it is not YAML, is empty
    /// (`startsWith` names the format's first line, e.g. "a scenario starts with …"), or is too costly
    /// to build: anchors and aliases, deep nesting, long keys or values and too many values are refused
    /// before composing (see `YAMLEventScan`); composing an alias bomb takes exponential time and
    /// memory, and deep nesting overflows the composer's stack.
    func compose(_ yaml: String, noun: String, startsWith: String) -> Result<Node, ScenarioValidationError> {
        let scan = YAMLEventScan(yaml)
        if let first = scan.firstReference {
            func count(_ n: Int, _ one: String, _ many: String) -> String? { n == 0 ? nil : "\(n) \(n == 1 ? one : many)" }
            let found = [count(scan.anchors.count, "anchor", "anchors"), count(scan.aliases.count, "alias", "aliases")]
                .compactMap { $0 }.joined(separator: " and ")
            self.error("YAML anchors and aliases are not allowed in a \(noun) (found \(found); the first is here); "
                       + "write each value out in full", line: first.line, column: first.column, .root)
        }
        if let deep = scan.tooDeep {
            self.error("nested more than \(YAMLEventScan.maxDepth) levels deep here; a \(noun) needs a dozen at most "
                       + "(is a bracket left open?)", line: deep.line, column: deep.column, .root)
        }
        if let key = scan.longKey {
            self.error("a key of \(key.bytes) bytes; keys are at most \(YAMLEventScan.maxKeyBytes) bytes",
                       line: key.position.line, column: key.position.column, .root)
        }
        if let value = scan.longValue {
            self.error("a value of \(value.bytes) bytes; values are at most \(YAMLEventScan.maxValueBytes >> 10) KiB",
                       line: value.position.line, column: value.position.column, .root)
        }
        if let many = scan.tooMany {
            self.error("more than \(YAMLEventScan.maxNodes) values by here; a \(noun) holds a few hundred",
                       line: many.line, column: many.column, .root)
        }
        if !errors.isEmpty { return .failure(ScenarioValidationError(errors: errorsInFileOrder)) }
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
