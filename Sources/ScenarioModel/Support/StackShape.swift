import Foundation
import LabrunCore
import StackModel

/// Puts a scenario's `setup.workloads` into the rendered objects: replicas, the version (through
/// the variable the stack file names), environment and resources of each workload's main
/// container. Pure, so it is unit-tested; it works the same on kustomize and Helm output.
public struct StackShape: Sendable {
    public var setup: ScenarioSetup
    public var stack: Stack

    public init(setup: ScenarioSetup, stack: Stack) {
        self.setup = setup
        self.stack = stack
    }

    /// The objects with the shape applied; `note` hears what was changed.
    public func apply(to objects: [JSONValue], note: (String) -> Void = { _ in }) throws -> [JSONValue] {
        var out = objects
        for (name, shape) in setup.workloads.sorted(by: { $0.key < $1.key }) {
            guard let workload = stack.workload(name) else { throw VariantError("the stack file has no workload \(name) to shape") }
            let container = workload.container
            try edit(&out, kind: workload.kind.rawValue, name: name) { object in
                if let replicas = shape.replicas {
                    object = set(object, ["spec", "replicas"], .number(Double(replicas)))
                }
                if let version = shape.version, let setting = workload.version {
                    object = Self.settingEnv(object, container: container, name: setting.env, value: version)
                    object = set(object, ["spec", "template", "metadata", "annotations", "labrun.dev/version"], .string(version))
                }
                for (variable, value) in shape.env.sorted(by: { $0.key < $1.key }) {
                    object = Self.settingEnv(object, container: container, name: variable, value: value)
                }
                if let resources = shape.resources {
                    object = Self.mergingContainer(object, container: container, key: "resources", value: resources)
                }
            }
            var changes: [String] = []
            if let replicas = shape.replicas { changes.append("\(replicas) replica(s)") }
            if let version = shape.version { changes.append("version \(version)") }
            if !shape.env.isEmpty { changes.append("env " + shape.env.keys.sorted().joined(separator: ", ")) }
            if let resources = shape.resources { changes.append("resources \(resources)") }
            if !changes.isEmpty { note("\(name): " + changes.joined(separator: ", ")) }
        }
        out = try StackVariant.apply(setup.changes, to: out, by: "setup.changes")
        for change in setup.changes {
            note("\(change.kind) \(change.name): " + (change.value.map { "set \(change.path) to \($0)" } ?? "removed \(change.path)"))
        }
        return out
    }

    private func edit(_ objects: inout [JSONValue], kind: String, name: String, _ change: (inout JSONValue) -> Void) throws {
        guard let index = objects.firstIndex(where: {
            $0["kind"]?.stringValue == kind && $0["metadata"]?["name"]?.stringValue == name
        }) else {
            throw VariantError("the rendered manifests have no \(kind) \(name) to shape (workloads.\(name) in \(stack.file))")
        }
        change(&objects[index])
    }

    private func set(_ node: JSONValue, _ path: [String], _ value: JSONValue) -> JSONValue {
        StackVariant.update(node, path[...], value: value) ?? node
    }

    /// Sets (or adds) an environment variable of a container (nil: the first) in a workload's pod template.
    static func settingEnv(_ object: JSONValue, container: String?, name: String, value: String) -> JSONValue {
        mapContainer(object, container: container) { members in
            var env: [JSONValue] = []
            if case .array(let items)? = members["env"] { env = items }
            env.removeAll { $0["name"]?.stringValue == name }
            env.append(.object(["name": .string(name), "value": .string(value)]))
            members["env"] = .array(env)
        }
    }

    /// Merges `value` into a container's `key` (object members replace, recursively).
    static func mergingContainer(_ object: JSONValue, container: String?, key: String, value: JSONValue) -> JSONValue {
        mapContainer(object, container: container) { members in
            members[key] = merge(members[key] ?? .object([:]), value)
        }
    }

    static func merge(_ base: JSONValue, _ overlay: JSONValue) -> JSONValue {
        guard case .object(var left) = base, case .object(let right) = overlay else { return overlay }
        for (key, value) in right { left[key] = merge(left[key] ?? .null, value) }
        return .object(left)
    }

    private static func mapContainer(_ object: JSONValue, container: String?,
                                     _ change: (inout [String: JSONValue]) -> Void) -> JSONValue {
        guard case .array(var containers)? = object["spec"]?["template"]?["spec"]?["containers"] else { return object }
        let index = container.flatMap { name in containers.firstIndex { $0["name"]?.stringValue == name } } ?? 0
        guard containers.indices.contains(index), case .object(var members) = containers[index] else { return object }
        change(&members)
        containers[index] = .object(members)
        return StackVariant.update(object, ["spec", "template", "spec", "containers"][...], value: .array(containers)) ?? object
    }
}
