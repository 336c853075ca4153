/// A Namespace (core/v1).
public struct Namespace: KubernetesResource, Equatable {
    public static let resourceType = ResourceType.namespaces
    public var apiVersion: String? = "v1"
    public var kind: String? = "Namespace"
    public var metadata: ObjectMeta
    public var status: NamespaceStatus?

    public init(name: String, labels: [String: String]? = nil) {
        metadata = ObjectMeta(name: name, labels: labels)
    }

    public init(metadata: ObjectMeta) { self.metadata = metadata }
}

/// A namespace's phase: `Active` or `Terminating`.
public struct NamespaceStatus: Codable, Sendable, Equatable {
    public var phase: String?
}
