import LabrunCore
import Yams

/// A YAML node and the key path that leads to it.
struct Located {
    let node: Node
    let path: KeyPath
}

/// Reads typed values out of a composed YAML tree, collecting every problem instead of stopping
/// at the first. Each reader method returns `nil` when the value is unusable (and has recorded why).
final class YAMLReader {
    let file: String
    private(set) var errors: [ScenarioError] = []

    init(file: String) { self.file = file }

    // MARK: Errors

    func error(_ message: String, at node: Node, _ path: KeyPath) {
        let mark = node.mark
        error(message, line: mark?.line ?? 1, column: mark?.column ?? 1, path)
    }

    func error(_ message: String, line: Int, column: Int, _ path: KeyPath) {
        errors.append(ScenarioError(file: file, line: line, column: column, path: Self.printable(path.description),
                                    message: Self.printable(message)))
    }

    /// `text` with control characters escaped (`\t`, `\u{7}`), so that a file's bytes cannot act on a terminal.
    static func printable(_ text: String) -> String {
        guard text.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) else { return text }
        return text.unicodeScalars.map { character in
            guard character.properties.generalCategory == .control else { return String(character) }
            switch character {
            case "\t": return "\\t"
            case "\n": return "\\n"
            case "\r": return "\\r"
            default: return "\\u{\(String(character.value, radix: 16, uppercase: true))}"
            }
        }.joined()
    }

    /// The errors by position in the file; errors at one position stay in the order they were found.
    var errorsInFileOrder: [ScenarioError] {
        errors.enumerated()
            .sorted { ($0.element.line, $0.element.column, $0.offset) < ($1.element.line, $1.element.column, $1.offset) }
            .map(\.element)
    }

    // MARK: Shapes

    /// The members of a mapping, checked against the allowed and required keys.
    func fields(_ value: Located, allowed: [String], required: [String] = [], what: String? = nil) -> Fields? {
        guard case .mapping(let mapping) = value.node else {
            typeError(expected: what.map { "\($0) (a mapping)" } ?? "a mapping", value)
            return nil
        }
        var members: [(key: String, keyNode: Node, value: Node)] = []
        var suggested: Set<String> = []
        for (keyNode, valueNode) in mapping {
            guard case .scalar(let scalar) = keyNode else {
                error("keys must be plain strings", at: keyNode, value.path)
                continue
            }
            let key = scalar.string
            guard allowed.contains(key) else {
                error(Suggestion.unknown("key", key, allowed), at: keyNode, value.path.key(key))
                if let close = Suggestion.closest(to: key, in: allowed) { suggested.insert(close) }
                continue
            }
            members.append((key, keyNode, valueNode))
        }
        // A missing key that a misspelt one was suggested for is already reported by that suggestion.
        for key in required where !members.contains(where: { $0.key == key }) && !suggested.contains(key) {
            error("missing required key \"\(key)\"", at: value.node, value.path.key(key))
        }
        return Fields(owner: value, members: members, reader: self, suggested: suggested)
    }

    /// The elements of a list.
    func sequence(_ value: Located, what: String? = nil) -> [Located]? {
        guard case .sequence(let sequence) = value.node else {
            typeError(expected: "a list" + (what.map { " \($0)" } ?? ""), value)
            return nil
        }
        return sequence.enumerated().map { Located(node: $0.element, path: value.path.index($0.offset)) }
    }

    /// A mapping with exactly one key out of `kinds` (an action or an assertion), plus `extra` keys.
    /// Returns the kind and its body.
    func oneOf(_ value: Located, kinds: [String], extra: [String], noun: String) -> (kind: String, body: Located, fields: Fields)? {
        guard case .mapping(let mapping) = value.node else {
            typeError(expected: "a mapping with one \(noun)", value)
            return nil
        }
        var found: [(String, Node)] = []
        var members: [(key: String, keyNode: Node, value: Node)] = []
        for (keyNode, valueNode) in mapping {
            guard case .scalar(let scalar) = keyNode else {
                error("keys must be plain strings", at: keyNode, value.path)
                continue
            }
            let key = scalar.string
            if kinds.contains(key) {
                found.append((key, keyNode))
                members.append((key, keyNode, valueNode))
            } else if extra.contains(key) {
                members.append((key, keyNode, valueNode))
            } else if key == "timeout" {
                error("a step's single action takes the step's timeout; set \"timeout\" on the step, or use a \"try\" list "
                      + "to give each operation its own", at: keyNode, value.path.key(key))
                return nil
            } else {
                error(Suggestion.unknown(noun, key, kinds, extra: extra), at: keyNode, value.path.key(key))
                return nil
            }
        }
        let fields = Fields(owner: value, members: members, reader: self)
        switch found.count {
        case 1:
            guard let body = fields.value(found[0].0) else { return nil }
            return (found[0].0, body, fields)
        case 0:
            error("expected one \(noun) (one of: \(kinds.joined(separator: ", ")))", at: value.node, value.path)
        default:
            error("more than one \(noun) (\(found.map(\.0).joined(separator: ", "))); write one per list item",
                  at: found[1].1, value.path.key(found[1].0))
        }
        return nil
    }

    // MARK: Scalars

    func string(_ value: Located, pattern: NamePattern? = nil) -> String? {
        guard case .scalar(let scalar) = value.node, ScalarKind(value.node) == .string else {
            typeError(expected: "a string", value)
            return nil
        }
        if scalar.string.isEmpty {
            error("must not be empty", at: value.node, value.path)
            return nil
        }
        if let pattern, !pattern.matches(scalar.string) {
            error("invalid \(pattern.noun) \"\(scalar.string)\" (\(pattern.hint))", at: value.node, value.path)
            return nil
        }
        return scalar.string
    }

    func int(_ value: Located, min: Int? = nil, max: Int? = nil) -> Int? {
        guard case .scalar(let scalar) = value.node, ScalarKind(value.node) == .int else {
            typeError(expected: "an integer", value)
            return nil
        }
        guard let number = value.node.int else {
            error("integer \(scalar.string) is out of range", at: value.node, value.path)
            return nil
        }
        return checkRange(Double(number), value, min: min.map(Double.init), max: max.map(Double.init), shown: scalar.string)
            ? number : nil
    }

    func number(_ value: Located, min: Double? = nil, max: Double? = nil, minExclusive: Bool = false) -> Double? {
        guard case .scalar(let scalar) = value.node, [.int, .float].contains(ScalarKind(value.node)),
              let number = value.node.float ?? value.node.int.map(Double.init) else {
            typeError(expected: "a number", value)
            return nil
        }
        if minExclusive, let min, number <= min {
            error("must be greater than \(Self.format(min)), got \(scalar.string)", at: value.node, value.path)
            return nil
        }
        return checkRange(number, value, min: minExclusive ? nil : min, max: max, shown: scalar.string) ? number : nil
    }

    func bool(_ value: Located) -> Bool? {
        guard case .scalar(let scalar) = value.node, ScalarKind(value.node) == .bool else {
            typeError(expected: "true or false", value)
            return nil
        }
        return ["true", "yes", "on"].contains(scalar.string.lowercased())
    }

    func duration(_ value: Located, allowZero: Bool = false) -> ScenarioDuration? {
        guard case .scalar(let scalar) = value.node, [.string, .int, .float].contains(ScalarKind(value.node)) else {
            typeError(expected: "a duration such as 500ms, 30s or 2m", value)
            return nil
        }
        guard let duration = ScenarioDuration(parsing: scalar.string) else {
            if ScenarioDuration.seconds(parsing: scalar.string) != nil {
                error("must be at most \(ScenarioDuration.longest), got \(scalar.string)", at: value.node, value.path)
            } else {
                error("invalid duration \"\(scalar.string)\" (\(ScenarioDuration.formatHint))", at: value.node, value.path)
            }
            return nil
        }
        if duration.milliseconds == 0 && !allowZero {
            error("must be longer than 0s", at: value.node, value.path)
            return nil
        }
        return duration
    }

    /// One of a fixed set of words.
    func choice(_ value: Located, _ allowed: [String], noun: String = "value") -> String? {
        guard case .scalar(let scalar) = value.node, ScalarKind(value.node) == .string else {
            typeError(expected: "one of: \(allowed.joined(separator: ", "))", value)
            return nil
        }
        guard allowed.contains(scalar.string) else {
            error(Suggestion.unknown(noun, scalar.string, allowed), at: value.node, value.path)
            return nil
        }
        return scalar.string
    }

    /// A mapping of strings to strings (labels, headers).
    func stringMap(_ value: Located) -> [String: String]? {
        guard case .mapping(let mapping) = value.node else {
            typeError(expected: "a mapping of strings", value)
            return nil
        }
        var result: [String: String] = [:]
        var valid = true
        for (keyNode, valueNode) in mapping {
            let key = keyNode.scalar?.string ?? ""
            if let text = string(Located(node: valueNode, path: value.path.key(key))) { result[key] = text } else { valid = false }
        }
        return valid ? result : nil
    }

    /// Any value, as JSON data (free-form bodies, values, expected objects).
    func json(_ value: Located) -> JSONValue? {
        switch value.node {
        case .scalar(let scalar):
            switch ScalarKind(value.node) {
            case .null: return .null
            case .bool: return .bool(["true", "yes", "on"].contains(scalar.string.lowercased()))
            case .int: return value.node.int.map { .number(Double($0)) } ?? .string(scalar.string)
            case .float: return value.node.float.map(JSONValue.number) ?? .string(scalar.string)
            case .string, .other: return .string(scalar.string)
            }
        case .sequence(let sequence):
            var items: [JSONValue] = []
            for (index, node) in sequence.enumerated() {
                guard let item = json(Located(node: node, path: value.path.index(index))) else { return nil }
                items.append(item)
            }
            return .array(items)
        case .mapping(let mapping):
            var members: [String: JSONValue] = [:]
            for (keyNode, node) in mapping {
                guard let key = keyNode.scalar?.string else {
                    error("keys must be plain strings", at: keyNode, value.path)
                    return nil
                }
                guard let member = json(Located(node: node, path: value.path.key(key))) else { return nil }
                members[key] = member
            }
            return .object(members)
        case .alias:
            error("aliases are not supported", at: value.node, value.path)
            return nil
        }
    }

    /// Every scalar under `value` in document order, mapping keys too unless `keys` is false, each
    /// with its path (a key's path is the path of its member).
    func scalars(in value: Located, keys: Bool = true) -> [Located] {
        switch value.node {
        case .scalar: return [value]
        case .sequence(let sequence):
            return sequence.enumerated().flatMap { scalars(in: Located(node: $0.element, path: value.path.index($0.offset)), keys: keys) }
        case .mapping(let mapping):
            return mapping.flatMap { keyNode, node in
                let path = keyNode.scalar.map { value.path.key($0.string) } ?? value.path
                return (keys ? scalars(in: Located(node: keyNode, path: path)) : []) + scalars(in: Located(node: node, path: path), keys: keys)
            }
        case .alias: return []
        }
    }

    // MARK: Helpers

    func typeError(expected: String, _ value: Located) {
        error("expected \(expected), got \(Self.describe(value.node))", at: value.node, value.path)
    }

    private func checkRange(_ number: Double, _ value: Located, min: Double?, max: Double?, shown: String) -> Bool {
        // NaN passes every comparison, so it is refused first (`rate: .nan` once drove an unpaced load).
        guard number.isFinite else {
            error("must be a finite number, got \(shown)", at: value.node, value.path)
            return false
        }
        if let min, number < min {
            error("must be at least \(Self.format(min)), got \(shown)", at: value.node, value.path)
            return false
        }
        if let max, number > max {
            error("must be at most \(Self.format(max)), got \(shown)", at: value.node, value.path)
            return false
        }
        return true
    }

    static func format(_ number: Double) -> String {
        number == number.rounded() && abs(number) < 1e15 ? String(Int(number)) : String(number)
    }

    /// A short description of what a node is, for "expected …, got …".
    static func describe(_ node: Node) -> String {
        switch node {
        case .mapping: return "a mapping"
        case .sequence: return "a list"
        case .alias: return "an alias"
        case .scalar(let scalar):
            switch ScalarKind(node) {
            case .null: return "nothing (null)"
            case .bool: return "boolean \(scalar.string)"
            case .int: return "integer \(scalar.string)"
            case .float: return "number \(scalar.string)"
            case .string, .other: return "string \"\(scalar.string)\""
            }
        }
    }
}
