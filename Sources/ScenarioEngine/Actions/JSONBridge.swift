import Foundation

/// Converts between the scenario format's `JSONValue` and the Kubernetes client's JSON type
/// (two types of the same name in different modules), through their JSON encoding.
enum JSONBridge {
    /// Any encodable value (a Kubernetes object as the client returns it) as a scenario `JSONValue`.
    static func scenario<T: Encodable>(_ value: T) throws -> JSONValue {
        try JSONDecoder().decode(JSONValue.self, from: JSONEncoder().encode(value))
    }

    /// A scenario `JSONValue` as any decodable type (the client's JSON, inferred from the call site).
    static func decode<T: Decodable>(_ value: JSONValue, as type: T.Type = T.self) throws -> T {
        try JSONDecoder().decode(T.self, from: JSONEncoder().encode(value))
    }

    /// A scenario value as JSON bytes (request bodies).
    static func data(_ value: JSONValue) throws -> Data { try JSONEncoder().encode(value) }
}
