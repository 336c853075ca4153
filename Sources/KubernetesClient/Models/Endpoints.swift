/// Endpoints (core/v1): the pod addresses behind a Service.
public struct Endpoints: KubernetesResource, Equatable {
    public static let resourceType = ResourceType.endpoints
    public var apiVersion: String? = "v1"
    public var kind: String? = "Endpoints"
    public var metadata: ObjectMeta
    public var subsets: [EndpointSubset]?

    public init(metadata: ObjectMeta, subsets: [EndpointSubset]? = nil) {
        self.metadata = metadata
        self.subsets = subsets
    }

    /// Ready addresses over all subsets.
    public var readyAddresses: [EndpointAddress] { (subsets ?? []).flatMap { $0.addresses ?? [] } }
}

/// A group of addresses sharing ports.
public struct EndpointSubset: Codable, Sendable, Equatable {
    public var addresses: [EndpointAddress]?
    public var notReadyAddresses: [EndpointAddress]?
    public var ports: [EndpointPort]?
}

/// One address (usually a pod).
public struct EndpointAddress: Codable, Sendable, Equatable {
    public var ip: String
    public var hostname: String?
    public var nodeName: String?
    public var targetRef: ObjectReference?
}

/// A port of an endpoint subset.
public struct EndpointPort: Codable, Sendable, Equatable {
    public var name: String?
    public var port: Int
    public var `protocol`: String?
}

/// A reference to another object.
public struct ObjectReference: Codable, Sendable, Equatable {
    public var kind: String?
    public var namespace: String?
    public var name: String?
    public var uid: String?
    public var apiVersion: String?
    public var resourceVersion: String?
    public var fieldPath: String?
}
