/// A PersistentVolumeClaim (core/v1).
public struct PersistentVolumeClaim: KubernetesResource, Equatable {
    public static let resourceType = ResourceType.persistentVolumeClaims
    public var apiVersion: String? = "v1"
    public var kind: String? = "PersistentVolumeClaim"
    public var metadata: ObjectMeta
    public var spec: PersistentVolumeClaimSpec?
    public var status: PersistentVolumeClaimStatus?

    public init(metadata: ObjectMeta, spec: PersistentVolumeClaimSpec? = nil) {
        self.metadata = metadata
        self.spec = spec
    }
}

/// What a claim asks for.
public struct PersistentVolumeClaimSpec: Codable, Sendable, Equatable {
    public var accessModes: [String]?
    /// Left unset by labrun's manifests so the cluster default applies.
    public var storageClassName: String?
    public var volumeName: String?
    public var resources: VolumeResources?

    public init(accessModes: [String]? = nil, storage: String? = nil, storageClassName: String? = nil) {
        self.accessModes = accessModes
        self.storageClassName = storageClassName
        self.resources = storage.map { VolumeResources(requests: ["storage": $0]) }
    }
}

/// Requests and limits of a claim (`storage: 1Gi`).
public struct VolumeResources: Codable, Sendable, Equatable {
    public var requests: [String: String]?
    public var limits: [String: String]?

    public init(requests: [String: String]? = nil, limits: [String: String]? = nil) {
        self.requests = requests
        self.limits = limits
    }
}

/// Whether the claim is bound.
public struct PersistentVolumeClaimStatus: Codable, Sendable, Equatable {
    /// `Pending`, `Bound` or `Lost`.
    public var phase: String?
    public var accessModes: [String]?
    public var capacity: [String: String]?
}
