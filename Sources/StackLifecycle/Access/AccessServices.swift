import LabrunCore

/// NodePort Services labrun adds next to the stack's own ClusterIP Services so the frontend,
/// backend and Postgres can be reached from the host after `labrun up` has exited
/// (`labrun-frontend`, `labrun-backend`, `labrun-postgres`; ports chosen by the cluster).
public enum AccessServices {
    public static let components = ["frontend", "backend", "postgres"]

    public static func name(for component: String) -> String { "labrun-\(component)" }

    /// A NodePort twin of each of the stack's Services named in `components`: same selector, ports and
    /// session affinity, so what reaches the stack through the twin is balanced as through the Service.
    public static func make(from objects: [JSONValue], namespace: String) -> [JSONValue] {
        objects.compactMap { object in
            guard object["kind"]?.stringValue == "Service",
                  let name = object.value(at: "metadata.name")?.stringValue, components.contains(name),
                  let selector = object.value(at: "spec.selector"),
                  let ports = object.value(at: "spec.ports")?.arrayValue else { return nil }
            let nodePorts: [JSONValue] = ports.map { port in
                var out: [String: JSONValue] = ["port": port["port"] ?? .null, "protocol": port["protocol"] ?? "TCP"]
                if let name = port["name"] { out["name"] = name }
                if let target = port["targetPort"] { out["targetPort"] = target }
                return .object(out)
            }
            var spec: [String: JSONValue] = ["type": "NodePort", "selector": selector, "ports": .array(nodePorts)]
            for key in ["sessionAffinity", "sessionAffinityConfig"] {
                if let value = object.value(at: "spec.\(key)") { spec[key] = value }
            }
            var labels = object.value(at: "metadata.labels") ?? .object([:])
            labels[ManifestRenderer.managedByLabel] = .string(ManifestRenderer.managedByValue)
            labels["labrun.dev/access"] = .string(name)
            return [
                "apiVersion": "v1",
                "kind": "Service",
                "metadata": ["name": .string(Self.name(for: name)), "namespace": .string(namespace), "labels": labels],
                "spec": .object(spec),
            ]
        }
    }
}
