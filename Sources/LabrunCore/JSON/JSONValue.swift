import Foundation

/// Any JSON document, as a value: the one JSON type of labrun. It carries Kubernetes objects that
/// have no typed model, manifests and response bodies, and everything free-form in a scenario
/// (request bodies, Helm values, expected objects, SQL values) through validation, matching and reports.
///
/// Numbers are `Double`, as in JSON itself: `3` and `3.0` are the same value. Whole numbers are
/// written back without a fraction (`3`, not `3.0`), so `replicas: 3` survives a round trip.
/// Object keys keep no order (JSON does not promise one).
public enum JSONValue: Sendable, Hashable, Codable, CustomStringConvertible {
    case null
    case bool(Bool)
    case number(Double)
    case string(String)
    case array([JSONValue])
    case object([String: JSONValue])

    /// A decoder cannot be asked what a value is, only told to decode a type (a wrong one throws), so
    /// the types are tried most common first — strings and objects fill Kubernetes objects and API
    /// answers — to throw as seldom as possible: each throw builds an error, and under `swift test`
    /// also captures a backtrace (measured in CI: with objects tried last, 45 % of the end-to-end
    /// tests' CPU went to those backtraces).
    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if container.decodeNil() {
            self = .null
        } else if let value = try? container.decode(String.self) {
            self = .string(value)
        } else if let value = try? container.decode([String: JSONValue].self) {
            self = .object(value)
        } else if let value = try? container.decode(Double.self) {
            self = .number(value)
        } else if let value = try? container.decode(Bool.self) {
            self = .bool(value)
        } else {
            self = .array(try container.decode([JSONValue].self))
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case .null: try container.encodeNil()
        case .bool(let value): try container.encode(value)
        case .number(let value):
            if let whole = Self.whole(value) { try container.encode(whole) } else { try container.encode(value) }
        case .string(let value): try container.encode(value)
        case .array(let value): try container.encode(value)
        case .object(let value): try container.encode(value)
        }
    }

    /// Parses JSON bytes.
    public static func parse(_ data: Data) throws -> JSONValue {
        try JSONDecoder().decode(JSONValue.self, from: data)
    }

    /// Parses JSON text.
    public static func parse(_ text: String) throws -> JSONValue {
        try parse(Data(text.utf8))
    }

    /// Converts any `Encodable` value (a typed model) into a `JSONValue`.
    public init<T: Encodable>(encoding value: T) throws {
        self = try JSONValue.parse(try JSONEncoder().encode(value))
    }

    /// Decodes this value into a typed model.
    public func decode<T: Decodable>(_ type: T.Type = T.self) throws -> T {
        try JSONDecoder().decode(T.self, from: try jsonData())
    }

    /// Compact JSON bytes (keys sorted, so output is stable).
    public func jsonData(pretty: Bool = false) throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = pretty ? [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
                                          : [.sortedKeys, .withoutEscapingSlashes]
        return try encoder.encode(self)
    }

    /// Compact JSON text (keys sorted), for the wire and for files.
    public var jsonString: String {
        (try? jsonData()).flatMap { String(data: $0, encoding: .utf8) } ?? "null"
    }

    /// JSON text for people, as shown in diffs and error messages: keys sorted, a space after
    /// each `:` and `,` (`{"a": [1, 2.5, true, null, "x\"y"]}`).
    public var description: String {
        switch self {
        case .null: return "null"
        case .bool(let value): return value ? "true" : "false"
        case .number(let value): return Self.whole(value).map { String($0) } ?? String(value)
        case .string(let value): return Self.quote(value)
        case .array(let values): return "[" + values.map(\.description).joined(separator: ", ") + "]"
        case .object(let members):
            let body = members.keys.sorted().map { "\(Self.quote($0)): \(members[$0]?.description ?? "null")" }
            return "{" + body.joined(separator: ", ") + "}"
        }
    }

    /// `value` as a whole number when it is one and a `Double` holds it exactly (below 2^53).
    private static func whole(_ value: Double) -> Int64? {
        value.rounded() == value && abs(value) < 9.0e15 ? Int64(value) : nil
    }

    private static func quote(_ text: String) -> String {
        var out = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\t": out += "\\t"
            case "\r": out += "\\r"
            default:
                if scalar.value < 0x20 { out += String(format: "\\u%04x", scalar.value) } else { out.unicodeScalars.append(scalar) }
            }
        }
        return out + "\""
    }

    // MARK: Access

    /// The member `key` of an object, or `nil` (for other values or a missing key).
    public subscript(key: String) -> JSONValue? {
        get { if case .object(let members) = self { return members[key] } else { return nil } }
        set {
            guard case .object(var members) = self else { return }
            members[key] = newValue
            self = .object(members)
        }
    }

    /// The element at `index` of an array, or `nil`.
    public subscript(index: Int) -> JSONValue? {
        if case .array(let items) = self, items.indices.contains(index) { return items[index] }
        return nil
    }

    /// Follows a dotted path such as `metadata.name` or `status.conditions.0.type`.
    public func value(at path: String) -> JSONValue? {
        var current: JSONValue? = self
        for part in path.split(separator: ".", omittingEmptySubsequences: false) {
            guard let node = current else { return nil }
            if case .array = node, let index = Int(part) { current = node[index] } else { current = node[String(part)] }
        }
        return current
    }

    public var stringValue: String? { if case .string(let v) = self { return v } else { return nil } }
    /// The value as a number, when it is one.
    public var doubleValue: Double? { if case .number(let v) = self { return v } else { return nil } }
    /// The value as an `Int`, when it is a whole number.
    public var intValue: Int? {
        if case .number(let v) = self, let whole = Self.whole(v) { return Int(whole) } else { return nil }
    }
    public var boolValue: Bool? { if case .bool(let v) = self { return v } else { return nil } }
    public var arrayValue: [JSONValue]? { if case .array(let v) = self { return v } else { return nil } }
    public var objectValue: [String: JSONValue]? { if case .object(let v) = self { return v } else { return nil } }
    public var isNull: Bool { if case .null = self { return true } else { return false } }
}

extension JSONValue: ExpressibleByStringLiteral, ExpressibleByIntegerLiteral, ExpressibleByFloatLiteral,
                     ExpressibleByBooleanLiteral, ExpressibleByArrayLiteral, ExpressibleByDictionaryLiteral,
                     ExpressibleByNilLiteral {
    public init(stringLiteral value: String) { self = .string(value) }
    public init(integerLiteral value: Int) { self = .number(Double(value)) }
    public init(floatLiteral value: Double) { self = .number(value) }
    public init(booleanLiteral value: Bool) { self = .bool(value) }
    public init(arrayLiteral elements: JSONValue...) { self = .array(elements) }
    public init(dictionaryLiteral elements: (String, JSONValue)...) {
        self = .object(Dictionary(elements, uniquingKeysWith: { _, last in last }))
    }
    public init(nilLiteral: ()) { self = .null }
}
