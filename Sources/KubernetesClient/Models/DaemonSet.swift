import LabrunCore

/// A DaemonSet (apps/v1): one pod per matching node.
public struct DaemonSet: KubernetesResource, Equatable {
    public static let resourceType = ResourceType.daemonSets
    public var apiVersion: String? = "apps/v1"
    public var kind: String? = "DaemonSet"
    public var metadata: ObjectMeta
    public var status: DaemonSetStatus?

    public init(metadata: ObjectMeta, status: DaemonSetStatus? = nil) {
        self.metadata = metadata
        self.status = status
    }

    /// True when the controller has seen the latest spec and every node that should run a pod runs an
    /// updated, available one (what `kubectl rollout status daemonset` waits for).
    public var isRolledOut: Bool {
        guard let status else { return false }
        let desired = status.desiredNumberScheduled ?? 0
        return (status.observedGeneration ?? 0) >= (metadata.generation ?? 0)
            && (status.updatedNumberScheduled ?? 0) >= desired
            && (status.numberAvailable ?? 0) >= desired
    }
}

/// A DaemonSet's observed state.
public struct DaemonSetStatus: Codable, Sendable, Equatable {
    public var observedGeneration: Int?
    public var desiredNumberScheduled: Int?
    public var currentNumberScheduled: Int?
    public var updatedNumberScheduled: Int?
    public var numberReady: Int?
    public var numberAvailable: Int?

    public init(observedGeneration: Int? = nil, desiredNumberScheduled: Int? = nil, updatedNumberScheduled: Int? = nil,
                numberReady: Int? = nil, numberAvailable: Int? = nil) {
        self.observedGeneration = observedGeneration
        self.desiredNumberScheduled = desiredNumberScheduled
        self.updatedNumberScheduled = updatedNumberScheduled
        self.numberReady = numberReady
        self.numberAvailable = numberAvailable
    }
}

/// A controller whose rollout labrun waits for (Deployment, StatefulSet, DaemonSet).
public protocol RollingOut: KubernetesResource {
    /// Every desired pod updated and ready or available.
    var isRolledOut: Bool { get }
    /// One line for a timeout message: `2/3 ready, 3 updated`.
    var rolloutSummary: String { get }
}

extension Deployment: RollingOut {
    public var rolloutSummary: String {
        "\(status?.readyReplicas ?? 0)/\(spec?.replicas ?? 1) ready, \(status?.updatedReplicas ?? 0) updated"
    }
}

extension StatefulSet: RollingOut {
    public var rolloutSummary: String { "\(status?.readyReplicas ?? 0)/\(spec?.replicas ?? 1) ready" }
}

extension DaemonSet: RollingOut {
    public var rolloutSummary: String {
        "\(status?.numberAvailable ?? 0)/\(status?.desiredNumberScheduled ?? 0) available, \(status?.updatedNumberScheduled ?? 0) updated"
    }
}
