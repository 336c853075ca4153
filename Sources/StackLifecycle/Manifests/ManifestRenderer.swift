import Foundation
import LabrunCore

/// Turns the project's manifests into the objects labrun applies: moved into the chosen
/// namespace, images replaced by the content-hashed builds, API versions chosen from the
/// server's discovery, and every object labelled as managed by labrun.
public struct ManifestRenderer: Sendable {
    public var namespace: String
    /// Image repository (`labrun/todo-backend`) → reference to use (`labrun/todo-backend:3f9a…`).
    public var images: [String: String]
    /// nil keeps the written API versions (no discovery, e.g. in a dry run).
    public var served: ServedAPIs?
    /// Set when the images come from a registry (`--registry`): a container of a built image that says
    /// `imagePullPolicy: Never` is given `IfNotPresent`, and every pod template gets the registry's
    /// pull secret, if any.
    public var registry: ImageRegistry?

    public static let managedByLabel = "app.kubernetes.io/managed-by"
    public static let managedByValue = "labrun"

    public init(namespace: String, images: [String: String], served: ServedAPIs?, registry: ImageRegistry? = nil) {
        self.namespace = namespace
        self.images = images
        self.served = served
        self.registry = registry
    }

    /// Kinds that live outside namespaces (no `metadata.namespace`).
    public static let clusterScopedKinds: Set<String> = [
        "Namespace", "PersistentVolume", "StorageClass", "ClusterRole", "ClusterRoleBinding",
        "CustomResourceDefinition", "PriorityClass", "IngressClass", "Node",
        "MutatingWebhookConfiguration", "ValidatingWebhookConfiguration",
    ]

    public func render(_ objects: [JSONValue]) throws -> [JSONValue] {
        try objects.map { object in
            var out = Self.settingNamespace(object, to: namespace, renameNamespaceObjects: true)
            out = Self.replacingImages(out, images)
            if let registry { out = Self.pullingFrom(registry, out, images: Set(images.values)) }
            out = Self.labelled(out)
            if let served { out = try Self.choosingAPIVersion(out, served) }
            return out
        }
    }

    /// Puts a namespaced object into `namespace`; with `renameNamespaceObjects`, a Namespace
    /// object is renamed to it (the stack has exactly one).
    public static func settingNamespace(_ object: JSONValue, to namespace: String, renameNamespaceObjects: Bool) -> JSONValue {
        var out = object
        let kind = object["kind"]?.stringValue ?? ""
        var metadata = object["metadata"] ?? .object([:])
        if kind == "Namespace" {
            if renameNamespaceObjects { metadata["name"] = .string(namespace) }
        } else if !clusterScopedKinds.contains(kind) {
            metadata["namespace"] = .string(namespace)
        }
        out["metadata"] = metadata
        return out
    }

    /// Replaces every `image:` whose repository is a key of `images`.
    public static func replacingImages(_ value: JSONValue, _ images: [String: String]) -> JSONValue {
        switch value {
        case .object(var members):
            for (key, member) in members {
                if key == "image", let reference = member.stringValue,
                   let replacement = images[repository(of: reference)] {
                    members[key] = .string(replacement)
                } else {
                    members[key] = replacingImages(member, images)
                }
            }
            return .object(members)
        case .array(let items):
            return .array(items.map { replacingImages($0, images) })
        default:
            return value
        }
    }

    /// `labrun/todo-backend:dev` → `labrun/todo-backend` (a registry port's colon is kept).
    public static func repository(of reference: String) -> String {
        let withoutDigest = reference.split(separator: "@", maxSplits: 1).first.map(String.init) ?? reference
        guard let colon = withoutDigest.lastIndex(of: ":"),
              !withoutDigest[colon...].contains("/") else { return withoutDigest }
        return String(withoutDigest[..<colon])
    }

    /// Where a kind keeps its pod template's spec.
    public static func podSpecPath(of kind: String) -> [String]? {
        switch kind {
        case "Pod": return ["spec"]
        case "Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "ReplicationController", "Job":
            return ["spec", "template", "spec"]
        case "CronJob": return ["spec", "jobTemplate", "spec", "template", "spec"]
        default: return nil
        }
    }

    /// The object with the registry's pull secret in its pod template (once), and `IfNotPresent` for
    /// the containers of `images` that said `Never` (which would refuse the registry's image).
    static func pullingFrom(_ registry: ImageRegistry, _ object: JSONValue, images: Set<String>) -> JSONValue {
        guard let path = podSpecPath(of: object["kind"]?.stringValue ?? ""), var spec = object.value(at: path.joined(separator: ".")),
              spec.objectValue != nil else { return object }
        if let secret = registry.pullSecret {
            var secrets = spec["imagePullSecrets"]?.arrayValue ?? []
            if !secrets.contains(where: { $0["name"]?.stringValue == secret }) { secrets.append(["name": .string(secret)]) }
            spec["imagePullSecrets"] = .array(secrets)
        }
        for key in ["containers", "initContainers"] {
            guard let containers = spec[key]?.arrayValue else { continue }
            spec[key] = .array(containers.map { container in
                var out = container
                if container["imagePullPolicy"]?.stringValue == "Never", let image = container["image"]?.stringValue, images.contains(image) {
                    out["imagePullPolicy"] = "IfNotPresent"
                }
                return out
            })
        }
        return setting(object, path[...], to: spec)
    }

    /// `object` with the value at `path` replaced (the path's objects exist: `podSpecPath` found it).
    static func setting(_ object: JSONValue, _ path: ArraySlice<String>, to value: JSONValue) -> JSONValue {
        guard let key = path.first else { return value }
        var out = object
        out[key] = setting(object[key] ?? .object([:]), path.dropFirst(), to: value)
        return out
    }

    static func labelled(_ object: JSONValue) -> JSONValue {
        var out = object
        var metadata = object["metadata"] ?? .object([:])
        var labels = metadata["labels"] ?? .object([:])
        labels[managedByLabel] = .string(managedByValue)
        metadata["labels"] = labels
        out["metadata"] = metadata
        return out
    }

    static func choosingAPIVersion(_ object: JSONValue, _ served: ServedAPIs) throws -> JSONValue {
        let kind = object["kind"]?.stringValue ?? ""
        let written = object["apiVersion"]?.stringValue ?? ""
        guard let chosen = served.choose(apiVersion: written, kind: kind) else {
            let name = object.value(at: "metadata.name")?.stringValue ?? "?"
            let offered = served.versions(of: kind)
            throw LabrunError(
                id: ErrorID.apiVersionUnserved, exitCode: ExitCode.unavailable,
                message: "The cluster does not serve \(kind) \(name) as \(written)"
                    + (offered.isEmpty ? ", nor any other version of \(kind)." : "; it serves \(kind) as \(offered.joined(separator: ", ")), whose schema differs."),
                advice: "Use a newer Kubernetes, or adjust the manifest in kubernetes/base.")
        }
        var out = object
        out["apiVersion"] = .string(chosen)
        return out
    }
}
