import LabrunCore
import Yams

/// The members of one mapping, already checked for unknown and missing keys.
struct Fields {
    let owner: Located
    let members: [(key: String, keyNode: Node, value: Node)]
    let reader: YAMLReader
    /// Allowed keys that a misspelt key was taken for (its error already suggests them).
    var suggested: Set<String> = []

    /// Whether the key is present.
    func has(_ key: String) -> Bool { members.contains { $0.key == key } }

    /// The value under `key`, with its path.
    func value(_ key: String) -> Located? {
        members.first { $0.key == key }.map { Located(node: $0.value, path: owner.path.key(key)) }
    }

    /// The position of a key (for errors about the key itself).
    func keyNode(_ key: String) -> Node? { members.first { $0.key == key }?.keyNode }

    func string(_ key: String, pattern: NamePattern? = nil) -> String? { value(key).flatMap { reader.string($0, pattern: pattern) } }
    func int(_ key: String, min: Int? = nil, max: Int? = nil) -> Int? { value(key).flatMap { reader.int($0, min: min, max: max) } }
    func number(_ key: String, min: Double? = nil, max: Double? = nil, minExclusive: Bool = false) -> Double? {
        value(key).flatMap { reader.number($0, min: min, max: max, minExclusive: minExclusive) }
    }
    func bool(_ key: String) -> Bool? { value(key).flatMap { reader.bool($0) } }
    func duration(_ key: String, allowZero: Bool = false) -> ScenarioDuration? {
        value(key).flatMap { reader.duration($0, allowZero: allowZero) }
    }
    func choice(_ key: String, _ allowed: [String], noun: String = "value") -> String? {
        value(key).flatMap { reader.choice($0, allowed, noun: noun) }
    }
    func stringMap(_ key: String) -> [String: String]? { value(key).flatMap { reader.stringMap($0) } }
    func json(_ key: String) -> JSONValue? { value(key).flatMap { reader.json($0) } }
    func sequence(_ key: String) -> [Located]? { value(key).flatMap { reader.sequence($0) } }
    func phase(_ key: String) -> Phase? { choice(key, Phase.allCases.map(\.rawValue), noun: "phase").flatMap(Phase.init) }

    /// Records an error unless the string under `key` is `expected` (`apiVersion`, `kind`).
    func constant(_ key: String, _ expected: String) {
        if let value = value(key), let text = reader.string(value), text != expected {
            reader.error("unsupported \(key) \(YAMLReader.quote(text)) (expected \"\(expected)\")", at: value.node, value.path)
        }
    }

    /// Records an error unless exactly one of `keys` is present (`one of A or B is required` / `A and B exclude each other`).
    @discardableResult
    func exactlyOne(of keys: [String]) -> String? {
        let present = keys.filter(has)
        if present.count == 1 { return present[0] }
        let list = keys.map { "\"\($0)\"" }.joined(separator: " or ")
        if present.isEmpty {
            // A misspelt key's error already suggests the one it stands for.
            if !keys.contains(where: suggested.contains) { reader.error("needs \(list)", at: owner.node, owner.path) }
        } else if let second = keyNode(present[1]) {
            reader.error("\(present.map { "\"\($0)\"" }.joined(separator: " and ")) exclude each other; keep one",
                         at: second, owner.path.key(present[1]))
        }
        return nil
    }

    /// Records an error at `key` (its value's position), e.g. for a rule between fields.
    func error(_ message: @autoclosure () -> String, at key: String) {
        if let value = value(key) { reader.error(message(), at: value.node, value.path) }
        else { reader.error(message(), at: owner.node, owner.path) }
    }
}
