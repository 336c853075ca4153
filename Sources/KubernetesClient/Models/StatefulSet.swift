import LabrunCore

/// A StatefulSet (apps/v1).
public struct StatefulSet: KubernetesResource, Equatable {
    public static let resourceType = ResourceType.statefulSets
    public var apiVersion: String? = "apps/v1"
    public var kind: String? = "StatefulSet"
    public var metadata: ObjectMeta
    public var spec: StatefulSetSpec?
    public var status: StatefulSetStatus?

    public init(metadata: ObjectMeta, spec: StatefulSetSpec? = nil) {
        self.metadata = metadata
        self.spec = spec
    }

    /// True when every desired replica is ready and on the current revision.
    public var isRolledOut: Bool {
        guard let status else { return false }
        let desired = spec?.replicas ?? 1
        return (status.observedGeneration ?? 0) >= (metadata.generation ?? 0)
            && (status.readyReplicas ?? 0) == desired
            && (status.updatedReplicas ?? desired) == desired
            && (status.updateRevision == nil || status.currentRevision == status.updateRevision)
    }
}

/// A StatefulSet's desired state.
public struct StatefulSetSpec: Codable, Sendable, Equatable {
    public var replicas: Int?
    public var serviceName: String?
    public var selector: LabelSelector?
    public var template: PodTemplateSpec?
    /// PVC templates, untyped.
    public var volumeClaimTemplates: [JSONValue]?
    public var podManagementPolicy: String?
    public var updateStrategy: JSONValue?

    public init(replicas: Int? = nil, serviceName: String? = nil, selector: LabelSelector? = nil, template: PodTemplateSpec? = nil) {
        self.replicas = replicas
        self.serviceName = serviceName
        self.selector = selector
        self.template = template
    }
}

/// A StatefulSet's observed state.
public struct StatefulSetStatus: Codable, Sendable, Equatable {
    public var observedGeneration: Int?
    public var replicas: Int?
    public var readyReplicas: Int?
    public var currentReplicas: Int?
    public var updatedReplicas: Int?
    public var currentRevision: String?
    public var updateRevision: String?
    public var conditions: [Condition]?
}
