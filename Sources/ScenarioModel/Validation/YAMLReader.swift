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

    /// Records an error at `node`. The message is worded only if it will be shown (see `maxErrors`):
    /// suggestions and quotes cost nothing for the errors past the limit.
    func error(_ message: @autoclosure () -> String, at node: Node, _ path: KeyPath) {
        let mark = node.mark
        error(message(), line: mark?.line ?? 1, column: mark?.column ?? 1, path)
    }

    func error(_ message: @autoclosure () -> String, line: Int, column: Int, _ path: KeyPath) {
        guard errors.count < Self.maxErrors else {
            if unshown == 0 { firstUnshown = (line, column) }
            unshown += 1
            return
        }
        errors.append(ScenarioError(file: file, line: line, column: column, path: path.description, message: message()))
    }

    /// The most errors kept for one file; the rest are counted. A file of many mistakes shows the first
    /// ones in bounded time and space, and one more fix-and-retry shows the next.
    static let maxErrors = 50
    /// Whether another error would be shown (for work done only to word an error, such as a suggestion).
    var acceptsErrors: Bool { errors.count < Self.maxErrors }
    /// Errors found past `maxErrors`, and the position of the first of them.
    private(set) var unshown = 0
    private var firstUnshown = (line: 1, column: 1)

    /// `text` with control characters escaped (see `ScenarioError.printable`).
    static func printable(_ text: String) -> String { ScenarioError.printable(text) }

    /// A value from the file, quoted for an error: escaped and cut (see `ScenarioError.quote`).
    static func quote(_ text: String) -> String { ScenarioError.quote(text) }

    /// The errors by position in the file; errors at one position stay in the order they were found.
    /// Past `maxErrors`, one more line says how many were not shown.
    var errorsInFileOrder: [ScenarioError] {
        let sorted = errors.enumerated()
            .sorted { ($0.element.line, $0.element.column, $0.offset) < ($1.element.line, $1.element.column, $1.offset) }
            .map(\.element)
        guard unshown > 0 else { return sorted }
        let more = ScenarioError(file: file, line: firstUnshown.line, column: firstUnshown.column, path: "",
                                 message: "\(unshown) more error\(unshown == 1 ? "" : "s") not shown (at most \(Self.maxErrors) a file); "
                                     + "fix the ones above first")
        return sorted + [more]
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
                // Which required key a misspelt one stands for, while errors are still shown (past the
                // limit, a "missing" error more is only counted).
                if acceptsErrors, let close = Suggestion.closest(to: key, in: allowed) { suggested.insert(close) }
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
            error("invalid \(pattern.noun) \(Self.quote(scalar.string)) (\(pattern.hint))", at: value.node, value.path)
            return nil
        }
        return scalar.string
    }

    func int(_ value: Located, min: Int? = nil, max: Int? = nil) -> Int? {
        guard case .scalar(let scalar) = value.node, ScalarKind(value.node) == .int else {
            typeError(expected: "an integer", value)
            return nil
        }
        guard let number = Self.integer(value.node) else {
            error("integer \(ScenarioError.clip(scalar.string)) is out of range", at: value.node, value.path)
            return nil
        }
        return checkRange(Double(number), value, min: min.map(Double.init), max: max.map(Double.init), shown: ScenarioError.clip(scalar.string))
            ? number : nil
    }

    func number(_ value: Located, min: Double? = nil, max: Double? = nil, minExclusive: Bool = false) -> Double? {
        guard case .scalar(let scalar) = value.node, [.int, .float].contains(ScalarKind(value.node)),
              let number = value.node.float ?? Self.integer(value.node).map(Double.init) else {
            typeError(expected: "a number", value)
            return nil
        }
        if minExclusive, let min, number <= min {
            error("must be greater than \(Self.format(min)), got \(ScenarioError.clip(scalar.string))", at: value.node, value.path)
            return nil
        }
        return checkRange(number, value, min: minExclusive ? nil : min, max: max, shown: ScenarioError.clip(scalar.string)) ? number : nil
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
                error("must be at most \(ScenarioDuration.longest), got \(ScenarioError.clip(scalar.string))", at: value.node, value.path)
            } else {
                error("invalid duration \(Self.quote(scalar.string)) (\(ScenarioDuration.formatHint))", at: value.node, value.path)
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
            guard let key = keyNode.scalar?.string, ScalarKind(keyNode) != .null else {
                error("keys must be plain strings", at: keyNode, value.path)
                valid = false
                continue
            }
            if let text = string(Located(node: valueNode, path: value.path.key(key))) { result[key] = text } else { valid = false }
        }
        return valid ? result : nil
    }

    /// Kubernetes labels (`metadata.labels`, a pod selector): a mapping of label keys to label values,
    /// each checked with Kubernetes' rules (see `KubernetesNames`).
    func labels(_ value: Located) -> [String: String]? {
        guard var labels = stringMap(value), case .mapping(let mapping) = value.node else { return nil }
        for (keyNode, valueNode) in mapping {
            guard let key = keyNode.scalar?.string else { continue }
            let path = value.path.key(key)
            if let problem = KubernetesNames.labelKeyProblem(key) {
                error(problem, at: keyNode, path)
                labels[key] = nil
            } else if let problem = KubernetesNames.labelValueProblem(labels[key] ?? "") {
                error(problem, at: valueNode, path)
                labels[key] = nil
            }
        }
        return labels.count == mapping.count ? labels : nil
    }

    /// A mapping of strings whose keys follow `keys`: HTTP headers (`.headerName`, values on one line
    /// since control characters are refused for the whole file), environment variables (`.environmentName`).
    func stringMap(_ value: Located, keys pattern: NamePattern) -> [String: String]? {
        guard let map = stringMap(value), case .mapping(let mapping) = value.node else { return nil }
        var valid = true
        for (keyNode, _) in mapping {
            guard let name = keyNode.scalar?.string, !pattern.matches(name) else { continue }
            error("invalid \(pattern.noun) \(Self.quote(name)) (\(pattern.hint))", at: keyNode, value.path.key(name))
            valid = false
        }
        return valid ? map : nil
    }

    /// The integer a scalar stands for, or nil when it does not fit an `Int`. Base-60 integers go
    /// through `YAMLInteger` (Yams' own conversion traps past Int's range); the others to Yams, which
    /// returns nil on overflow.
    static func integer(_ node: Node) -> Int? {
        guard let text = node.scalar?.string else { return nil }
        // Yams reads a leading 0 as octal, and finds no digits after it in -0 and +0.
        if ["-0", "+0"].contains(text) { return 0 }
        return text.contains(":") ? YAMLInteger.sexagesimal(text) : node.int
    }

    /// Any value, as JSON data (free-form bodies, values, expected objects).
    func json(_ value: Located) -> JSONValue? {
        switch value.node {
        case .scalar(let scalar):
            switch ScalarKind(value.node) {
            case .null: return .null
            case .bool: return .bool(["true", "yes", "on"].contains(scalar.string.lowercased()))
            case .int: return Self.integer(value.node).map { .number(Double($0)) } ?? .string(scalar.string)
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

    /// `!!binary` for YAML's own `tag:yaml.org,2002:binary`; other tags (`!x`) as written, cut.
    static func shortTag(_ tag: String) -> String {
        let yaml = "tag:yaml.org,2002:"
        return ScenarioError.clip(tag.hasPrefix(yaml) ? "!!" + tag.dropFirst(yaml.count) : tag)
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
            case .bool: return "boolean \(ScenarioError.clip(scalar.string))"
            case .int: return "integer \(ScenarioError.clip(scalar.string))"
            case .float: return "number \(ScenarioError.clip(scalar.string))"
            case .string: return "string \(quote(scalar.string))"
            case .other: return "a value tagged \(shortTag(node.tag.description))"
            }
        }
    }
}
