import LabrunCore

/// Checks that an actual JSON value contains an expected subset, and says where it does not.
///
/// Rules (as in chainsaw's assertions): an expected object matches when every expected key is
/// present and matches (other keys are ignored); an expected array matches an array of the same
/// length element by element; numbers compare by value (`3` equals `3.0`); everything else by equality.
public enum JSONPartialMatch {
    /// Every place where `actual` does not contain `expected`; empty when it does.
    public static func mismatches(expected: JSONValue, actual: JSONValue, path: String = "$") -> [JSONMismatch] {
        switch (expected, actual) {
        case (.object(let want), .object(let have)):
            return want.keys.sorted().flatMap { key -> [JSONMismatch] in
                let childPath = path + JSONMismatch.pathComponent(key)
                guard let wanted = want[key] else { return [] }
                guard let found = have[key] else { return [JSONMismatch(path: childPath, expected: wanted, actual: nil)] }
                return mismatches(expected: wanted, actual: found, path: childPath)
            }
        case (.array(let want), .array(let have)):
            guard want.count == have.count else {
                return [JSONMismatch(path: path, expected: expected, actual: actual,
                                     reason: "expected \(want.count) element(s), got \(have.count)")]
            }
            return zip(want, have).enumerated().flatMap { index, pair in
                mismatches(expected: pair.0, actual: pair.1, path: "\(path)[\(index)]")
            }
        default:
            return expected == actual ? [] : [JSONMismatch(path: path, expected: expected, actual: actual)]
        }
    }

    /// Whether `actual` contains `expected`.
    public static func matches(expected: JSONValue, actual: JSONValue) -> Bool {
        mismatches(expected: expected, actual: actual).isEmpty
    }

    /// A readable diff: one `- expected` / `+ actual` pair per mismatch, each under its path.
    public static func diff(_ mismatches: [JSONMismatch]) -> [String] {
        mismatches.flatMap { mismatch -> [String] in
            var lines = ["at \(mismatch.path)" + (mismatch.reason.map { ": \($0)" } ?? "") + ":"]
            lines.append("  - expected: \(mismatch.expected)")
            lines.append("  + actual:   \(mismatch.actual.map(\.description) ?? "(missing)")")
            return lines
        }
    }
}

/// One place where an actual value does not contain the expected one.
public struct JSONMismatch: Sendable, Hashable, Codable, CustomStringConvertible {
    /// A JSONPath-like location: `$.status.readyReplicas`, `$.items[2].name`.
    public var path: String
    public var expected: JSONValue
    /// `nil` when the key is missing.
    public var actual: JSONValue?
    /// Why, when more than "different value" (e.g. array lengths).
    public var reason: String?

    public init(path: String, expected: JSONValue, actual: JSONValue?, reason: String? = nil) {
        self.path = path
        self.expected = expected
        self.actual = actual
        self.reason = reason
    }

    public var description: String {
        if let reason { return "\(path): \(reason)" }
        guard let actual else { return "\(path): missing (expected \(expected))" }
        return "\(path): expected \(expected), got \(actual)"
    }

    static func pathComponent(_ key: String) -> String {
        let plain = !key.isEmpty && key.allSatisfy { $0.isLetter || $0.isNumber || $0 == "_" || $0 == "-" }
        return plain ? ".\(key)" : "[\(JSONValue.string(key))]"
    }
}
