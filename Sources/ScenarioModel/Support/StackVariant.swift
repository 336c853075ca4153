import Foundation
import LabrunCore
import Yams

/// A deliberately broken stack: changes applied to the rendered manifests before they are deployed.
///
/// Used by the broken-variant fixtures (`Tests/ScenarioEngineTests/Fixtures/broken/*.yaml`): each names
/// the scenarios that must fail, the changes, and the words the failure must contain.
public struct StackVariant: Sendable, Hashable {
    /// One change: JSON-pointer `path` inside the object `kind`/`name`; `remove`, or `set` to `value`.
    public struct Change: Sendable, Hashable, Codable {
        public var kind: String
        public var name: String
        public var path: String
        public var value: JSONValue?

        public init(kind: String, name: String, path: String, value: JSONValue? = nil) {
            self.kind = kind
            self.name = name
            self.path = path
            self.value = value
        }
    }

    public var name: String
    public var description: String
    /// The scenarios this variant must make fail (each is a case of the end-to-end suite).
    public var scenarios: [String]
    public var changes: [Change]
    /// Words (case-insensitive) the run's failure text must contain: the cause, named.
    public var expectFailureMentions: [String]

    public init(name: String, description: String = "", scenarios: [String], changes: [Change], expectFailureMentions: [String] = []) {
        self.name = name
        self.description = description
        self.scenarios = scenarios
        self.changes = changes
        self.expectFailureMentions = expectFailureMentions
    }

    /// Reads a variant file:
    /// ```yaml
    /// name: backend-without-readiness
    /// scenarios: [chaos-rolling-update]
    /// changes:
    ///   - {kind: Deployment, name: backend, remove: /spec/template/spec/containers/0/readinessProbe}
    ///   - {kind: Deployment, name: backend, set: /spec/replicas, value: 3}
    /// expectFailureMentions: [readiness]
    /// ```
    public static func load(file path: String) throws -> StackVariant {
        let text = try String(contentsOfFile: path, encoding: .utf8)
        guard let root = try Yams.load(yaml: text) as? [String: Any] else {
            throw VariantError("\(path): expected a mapping at the top")
        }
        func string(_ key: String, in map: [String: Any]) throws -> String {
            guard let value = map[key] as? String else { throw VariantError("\(path): `\(key)` must be a string") }
            return value
        }
        var changes: [Change] = []
        for item in root["changes"] as? [[String: Any]] ?? [] {
            let kind = try string("kind", in: item)
            let name = try string("name", in: item)
            if let remove = item["remove"] as? String {
                changes.append(Change(kind: kind, name: name, path: remove))
            } else if let set = item["set"] as? String {
                changes.append(Change(kind: kind, name: name, path: set, value: JSONValue(any: item["value"])))
            } else {
                throw VariantError("\(path): a change needs `remove: <pointer>` or `set: <pointer>` with `value`")
            }
        }
        guard let scenarios = root["scenarios"] as? [String], !scenarios.isEmpty else {
            throw VariantError("\(path): `scenarios` must list the scenarios the variant must make fail")
        }
        return StackVariant(name: try string("name", in: root), description: root["description"] as? String ?? "",
                            scenarios: scenarios, changes: changes,
                            expectFailureMentions: root["expectFailureMentions"] as? [String] ?? [])
    }

    /// Applies the changes to objects given as scenario `JSONValue`s; throws when a target is missing.
    public func apply(to objects: [JSONValue]) throws -> [JSONValue] {
        try Self.apply(changes, to: objects, by: "variant \(name)")
    }

    /// Applies `changes` in order (a variant's, or a scenario's `setup.changes`); `by` names them in errors.
    public static func apply(_ changes: [Change], to objects: [JSONValue], by owner: String) throws -> [JSONValue] {
        var out = objects
        for change in changes {
            guard let index = out.firstIndex(where: {
                $0["kind"] == .string(change.kind) && $0["metadata"]?["name"] == .string(change.name)
            }) else { throw VariantError("\(owner): no \(change.kind)/\(change.name) in the manifests") }
            let tokens = change.path.split(separator: "/", omittingEmptySubsequences: true).map {
                $0.replacingOccurrences(of: "~1", with: "/").replacingOccurrences(of: "~0", with: "~")
            }
            guard let changed = update(out[index], tokens[...], value: change.value) else {
                throw VariantError("\(owner): \(change.kind)/\(change.name) has no \(change.path)")
            }
            out[index] = changed
        }
        return out
    }

    /// `value == nil` removes the element at the pointer; otherwise sets it (creating objects on the way).
    static func update(_ node: JSONValue, _ tokens: ArraySlice<String>, value: JSONValue?) -> JSONValue? {
        guard let head = tokens.first else { return value }
        let rest = tokens.dropFirst()
        switch node {
        case .object(var members):
            if rest.isEmpty {
                if let value { members[head] = value } else {
                    guard members.removeValue(forKey: head) != nil else { return nil }
                }
                return .object(members)
            }
            var child = members[head]
            if child == nil, value != nil { child = .object([:]) }
            guard let child, let updated = update(child, rest, value: value) else { return nil }
            members[head] = updated
            return .object(members)
        case .array(var items):
            guard let position = Int(head), items.indices.contains(position) else { return nil }
            if rest.isEmpty {
                if let value { items[position] = value } else { items.remove(at: position) }
                return .array(items)
            }
            guard let updated = update(items[position], rest, value: value) else { return nil }
            items[position] = updated
            return .array(items)
        default:
            return nil
        }
    }
}

/// A variant file that cannot be used.
public struct VariantError: Error, CustomStringConvertible {
    public var description: String
    init(_ text: String) { description = text }
}

extension JSONValue {
    /// Converts a value as Yams / JSONSerialization produce it.
    init(any value: Any?) {
        switch value {
        case nil: self = .null
        case let v as Bool: self = .bool(v)
        case let v as Int: self = .number(Double(v))
        case let v as Double: self = .number(v)
        case let v as String: self = .string(v)
        case let v as [Any]: self = .array(v.map { JSONValue(any: $0) })
        case let v as [String: Any]: self = .object(v.mapValues { JSONValue(any: $0) })
        default: self = .string(String(describing: value ?? ""))
        }
    }
}
