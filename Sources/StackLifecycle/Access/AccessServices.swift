import LabrunCore

/// NodePort Services labrun adds next to the stack's own Services so that the ones the stack file
/// marks as reachable can be reached from the host after `labrun up` has exited
/// (`labrun-<service>`; ports chosen by the cluster).
public enum AccessServices {
    public static func name(for service: String) -> String { "labrun-\(service)" }

    /// A NodePort twin of each of the stack's Services named in `services`: same selector, ports and
    /// session affinity, so what reaches the stack through the twin is balanced as through the Service.
    public static func make(from objects: [JSONValue], services: Set<String>, namespace: String) -> [JSONValue] {
        objects.compactMap { object in
            guard object["kind"]?.stringValue == "Service",
                  let name = object.value(at: "metadata.name")?.stringValue, services.contains(name),
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
