import LabrunCore

/// A Deployment (apps/v1).
public struct Deployment: KubernetesResource, Equatable {
    public static let resourceType = ResourceType.deployments
    public var apiVersion: String? = "apps/v1"
    public var kind: String? = "Deployment"
    public var metadata: ObjectMeta
    public var spec: DeploymentSpec?
    public var status: DeploymentStatus?

    public init(metadata: ObjectMeta, spec: DeploymentSpec? = nil) {
        self.metadata = metadata
        self.spec = spec
    }

    /// True when the controller has seen the latest spec and every desired replica is updated and available.
    public var isRolledOut: Bool {
        guard let status else { return false }
        let desired = spec?.replicas ?? 1
        return (status.observedGeneration ?? 0) >= (metadata.generation ?? 0)
            && (status.updatedReplicas ?? 0) == desired
            && (status.availableReplicas ?? 0) == desired
            && (status.replicas ?? 0) == desired
    }
}

/// A Deployment's desired state.
public struct DeploymentSpec: Codable, Sendable, Equatable {
    public var replicas: Int?
    public var selector: LabelSelector?
    public var template: PodTemplateSpec?
    /// `RollingUpdate` settings, untyped.
    public var strategy: JSONValue?
    public var minReadySeconds: Int?
    public var revisionHistoryLimit: Int?
    public var paused: Bool?

    public init(replicas: Int? = nil, selector: LabelSelector? = nil, template: PodTemplateSpec? = nil) {
        self.replicas = replicas
        self.selector = selector
        self.template = template
    }
}

/// A Deployment's observed state.
public struct DeploymentStatus: Codable, Sendable, Equatable {
    public var observedGeneration: Int?
    public var replicas: Int?
    public var updatedReplicas: Int?
    public var readyReplicas: Int?
    public var availableReplicas: Int?
    public var unavailableReplicas: Int?
    public var conditions: [Condition]?
}
