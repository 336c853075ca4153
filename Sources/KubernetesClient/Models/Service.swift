import HTTPClient

/// A Service (core/v1).
public struct Service: KubernetesResource, Equatable {
    public static let resourceType = ResourceType.services
    public var apiVersion: String? = "v1"
    public var kind: String? = "Service"
    public var metadata: ObjectMeta
    public var spec: ServiceSpec?

    public init(metadata: ObjectMeta, spec: ServiceSpec? = nil) {
        self.metadata = metadata
        self.spec = spec
    }
}

/// A Service's spec.
public struct ServiceSpec: Codable, Sendable, Equatable {
    /// `ClusterIP`, `NodePort`, `LoadBalancer`, `ExternalName`.
    public var type: String?
    public var clusterIP: String?
    public var selector: [String: String]?
    public var ports: [ServicePort]?

    public init(type: String? = nil, selector: [String: String]? = nil, ports: [ServicePort]? = nil) {
        self.type = type
        self.selector = selector
        self.ports = ports
    }
}

/// One port of a Service.
public struct ServicePort: Codable, Sendable, Equatable {
    public var name: String?
    public var port: Int
    public var targetPort: IntOrString?
    public var nodePort: Int?
    public var `protocol`: String?

    public init(name: String? = nil, port: Int, targetPort: IntOrString? = nil, nodePort: Int? = nil) {
        self.name = name
        self.port = port
        self.targetPort = targetPort
        self.nodePort = nodePort
    }
}
