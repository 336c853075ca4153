import LabrunCore

/// Adjustments made to an object before server-side apply.
///
/// Kubernetes 1.20's server-side apply refuses port lists whose entries omit `protocol`
/// ("associative list with keys has an element that omits key field \"protocol\""), because
/// `protocol` is part of the list's key. The server would default it to `TCP` anyway, so filling
/// in `TCP` changes nothing but lets the same manifests apply on 1.20 and on current clusters.
public enum ApplyDefaults {
    /// Returns `object` with `protocol: TCP` added to Service ports and container ports that lack one.
    public static func fillPortProtocols(_ object: JSONValue) -> JSONValue {
        var copy = object
        let kind = object["kind"]?.stringValue ?? ""
        switch kind {
        case "Service":
            copy["spec"] = update(copy["spec"], key: "ports", fillList)
        case "Pod":
            copy["spec"] = fillPodSpec(copy["spec"])
        case "Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "Job", "ReplicationController":
            copy["spec"] = update(copy["spec"], key: "template") { template in
                update(template, key: "spec", fillPodSpec)
            }
        case "CronJob":
            copy["spec"] = update(copy["spec"], key: "jobTemplate") { job in
                update(job, key: "spec") { spec in
                    update(spec, key: "template") { template in update(template, key: "spec", fillPodSpec) }
                }
            }
        default:
            break
        }
        return copy
    }

    private static func fillPodSpec(_ spec: JSONValue?) -> JSONValue? {
        var spec = spec
        for key in ["containers", "initContainers"] {
            spec = update(spec, key: key) { containers in
                guard let list = containers?.arrayValue else { return containers }
                return .array(list.map { container in update(container, key: "ports", fillList) ?? container })
            }
        }
        return spec
    }

    private static func fillList(_ ports: JSONValue?) -> JSONValue? {
        guard let list = ports?.arrayValue else { return ports }
        return .array(list.map { port in
            guard case .object(var members) = port, members["protocol"] == nil else { return port }
            members["protocol"] = .string("TCP")
            return .object(members)
        })
    }

    /// Applies `change` to `value[key]` when `value` is an object (and the key is present).
    private static func update(_ value: JSONValue?, key: String, _ change: (JSONValue?) -> JSONValue?) -> JSONValue? {
        guard case .object(var members)? = value, members[key] != nil else { return value }
        members[key] = change(members[key])
        return .object(members)
    }
}
