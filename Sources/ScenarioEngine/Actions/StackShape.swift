import Foundation
import LabrunCore

/// Puts a scenario's `setup` into the rendered manifests: replicas, the backend's version
/// (`APP_VERSION`, shown in `X-App-Version`) and the supported `values` (`<workload>.resources`,
/// `<workload>.env`). Pure, so it is unit-tested.
public struct StackShape: Sendable {
    public var setup: ScenarioSetup

    public init(setup: ScenarioSetup) { self.setup = setup }

    /// The objects with the shape applied; `note` hears what was changed or ignored.
    public func apply(to objects: [JSONValue], note: (String) -> Void = { _ in }) throws -> [JSONValue] {
        var out = objects
        try edit(&out, kind: "Deployment", name: "backend") { object in
            object = set(object, ["spec", "replicas"], .number(Double(setup.backend.replicas)))
            if let version = setup.backend.version {
                object = Self.settingEnv(object, container: "backend", name: "APP_VERSION", value: version)
                object = set(object, ["spec", "template", "metadata", "annotations", "labrun.dev/version"], .string(version))
            }
        }
        if let frontend = setup.frontend {
            try edit(&out, kind: "Deployment", name: "frontend") { object in
                object = set(object, ["spec", "replicas"], .number(Double(frontend.replicas)))
            }
        }
        for (workload, value) in setup.values.sorted(by: { $0.key < $1.key }) {
            guard case .object(let members) = value else {
                note("values.\(workload) is not a mapping; ignored")
                continue
            }
            let kind = workload == "postgres" ? "StatefulSet" : "Deployment"
            for (key, setting) in members.sorted(by: { $0.key < $1.key }) {
                switch key {
                case "resources":
                    try edit(&out, kind: kind, name: workload) { object in
                        object = Self.mergingContainer(object, container: workload, key: "resources", value: setting)
                    }
                    note("\(workload) resources set from values: \(setting)")
                case "env":
                    guard case .object(let variables) = setting else { note("values.\(workload).env is not a mapping; ignored"); continue }
                    try edit(&out, kind: kind, name: workload) { object in
                        for (name, text) in variables.sorted(by: { $0.key < $1.key }) {
                            object = Self.settingEnv(object, container: workload, name: name, value: text.stringValue ?? text.description)
                        }
                    }
                case "replicas":
                    if let count = setting.intValue {
                        try edit(&out, kind: kind, name: workload) { object in object = set(object, ["spec", "replicas"], .number(Double(count))) }
                    }
                default:
                    note("values.\(workload).\(key) is not supported by the manifests deployer; ignored")
                }
            }
        }
        return out
    }

    private func edit(_ objects: inout [JSONValue], kind: String, name: String, _ change: (inout JSONValue) -> Void) throws {
        guard let index = objects.firstIndex(where: {
            $0["kind"]?.stringValue == kind && $0["metadata"]?["name"]?.stringValue == name
        }) else {
            throw VariantError("the manifests have no \(kind) \(name) to shape")
        }
        change(&objects[index])
    }

    private func set(_ node: JSONValue, _ path: [String], _ value: JSONValue) -> JSONValue {
        StackVariant.update(node, path[...], value: value) ?? node
    }

    /// Sets (or adds) an environment variable of a container in a workload's pod template.
    static func settingEnv(_ object: JSONValue, container: String, name: String, value: String) -> JSONValue {
        mapContainer(object, container: container) { members in
            var env: [JSONValue] = []
            if case .array(let items)? = members["env"] { env = items }
            env.removeAll { $0["name"]?.stringValue == name }
            env.append(.object(["name": .string(name), "value": .string(value)]))
            members["env"] = .array(env)
        }
    }

    /// Merges `value` into a container's `key` (object members replace, recursively).
    static func mergingContainer(_ object: JSONValue, container: String, key: String, value: JSONValue) -> JSONValue {
        mapContainer(object, container: container) { members in
            members[key] = merge(members[key] ?? .object([:]), value)
        }
    }

    static func merge(_ base: JSONValue, _ overlay: JSONValue) -> JSONValue {
        guard case .object(var left) = base, case .object(let right) = overlay else { return overlay }
        for (key, value) in right { left[key] = merge(left[key] ?? .null, value) }
        return .object(left)
    }

    private static func mapContainer(_ object: JSONValue, container: String,
                                     _ change: (inout [String: JSONValue]) -> Void) -> JSONValue {
        guard case .array(var containers)? = object["spec"]?["template"]?["spec"]?["containers"] else { return object }
        let index = containers.firstIndex { $0["name"]?.stringValue == container } ?? 0
        guard containers.indices.contains(index), case .object(var members) = containers[index] else { return object }
        change(&members)
        containers[index] = .object(members)
        return StackVariant.update(object, ["spec", "template", "spec", "containers"][...], value: .array(containers)) ?? object
    }
}
