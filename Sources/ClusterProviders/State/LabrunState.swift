import Foundation

/// What labrun remembers between runs: which clusters it brought up (so `down` stops only
/// those) and which stacks it deployed (so `status` can spot leftovers of an interrupted run).
public struct LabrunState: Codable, Sendable, Equatable {
    public var version: Int = 1
    /// Clusters labrun created or started, keyed by provider name.
    public var clusters: [String: ClusterRecord] = [:]
    /// Stacks labrun deployed, keyed by namespace.
    public var stacks: [String: StackRecord] = [:]

    public init() {}
}

/// A cluster labrun brought up.
public struct ClusterRecord: Codable, Sendable, Equatable {
    public var provider: ProviderKind
    public var outcome: CreateOutcome
    public var since: Date
    public var kubeconfig: KubeconfigTarget?

    public init(provider: ProviderKind, outcome: CreateOutcome, since: Date, kubeconfig: KubeconfigTarget? = nil) {
        self.provider = provider
        self.outcome = outcome
        self.since = since
        self.kubeconfig = kubeconfig
    }
}

/// A stack labrun deployed (or was deploying when it was interrupted).
public struct StackRecord: Codable, Sendable, Equatable {
    public enum Phase: String, Codable, Sendable {
        /// `up` began and has not finished: if no labrun runs now, this is a leftover.
        case deploying
        case ready
    }

    public var provider: ProviderKind
    public var namespace: String
    public var phase: Phase
    /// Whether this labrun run created the namespace (an interrupted `up` then deletes it).
    public var createdNamespace: Bool
    /// Image repository → reference deployed.
    public var images: [String: String]
    /// The stack file that was deployed (absolute path).
    public var stackFile: String?
    /// Workload → how the host reaches its Service (`http://10.250.0.1:31234`).
    public var endpoints: [String: String]?
    /// The labrun process that wrote this record (to tell a live run from a leftover).
    public var ownerPID: Int32
    /// Background processes (port-forwards) that outlive the command, by pid.
    public var processes: [Int32]
    public var since: Date

    public init(provider: ProviderKind, namespace: String, phase: Phase, createdNamespace: Bool,
                images: [String: String] = [:], stackFile: String? = nil, endpoints: [String: String]? = nil,
                ownerPID: Int32, processes: [Int32] = [], since: Date) {
        self.provider = provider
        self.namespace = namespace
        self.phase = phase
        self.createdNamespace = createdNamespace
        self.images = images
        self.stackFile = stackFile
        self.endpoints = endpoints
        self.ownerPID = ownerPID
        self.processes = processes
        self.since = since
    }
}
