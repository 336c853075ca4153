import LabrunCore

/// A cluster's state as its provider sees it.
public struct ClusterState: Sendable, Equatable {
    public enum Phase: String, Sendable, Equatable {
        case running, stopped, absent, degraded
    }

    public var phase: Phase
    /// The provider's own words (e.g. `Host: Running, Kubelet: Running, APIServer: Stopped`).
    public var detail: String
    public var kubernetesVersion: String?
    /// docker, containerd, cri-o …
    public var containerRuntime: String?
    public var nodeAddress: String?
    /// Why the API could not be used, classified (`ClusterAccessFailure`), when that is what is wrong.
    public var problem: LabrunError?

    public init(phase: Phase, detail: String = "", kubernetesVersion: String? = nil,
                containerRuntime: String? = nil, nodeAddress: String? = nil, problem: LabrunError? = nil) {
        self.problem = problem
        self.phase = phase
        self.detail = detail
        self.kubernetesVersion = kubernetesVersion
        self.containerRuntime = containerRuntime
        self.nodeAddress = nodeAddress
    }

    public var isRunning: Bool { phase == .running }
}
