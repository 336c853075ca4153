import ClusterProviders
import LabrunCore

/// Everything `labrun status` shows: provider, cluster, nodes, workloads, access and leftovers.
public struct StackStatusReport: Sendable, Equatable {
    public struct Node: Sendable, Equatable {
        public var name: String
        public var ready: Bool
        public var kubeletVersion: String
        public var containerRuntime: String
        public var address: String
        public init(name: String, ready: Bool, kubeletVersion: String, containerRuntime: String, address: String) {
            self.name = name
            self.ready = ready
            self.kubeletVersion = kubeletVersion
            self.containerRuntime = containerRuntime
            self.address = address
        }
    }

    public struct Workload: Sendable, Equatable {
        /// `deployment` or `statefulset`.
        public var kind: String
        public var name: String
        public var ready: Int
        public var desired: Int
        public var upToDate: Int
        public var restarts: Int
        public var images: [String]
        public init(kind: String, name: String, ready: Int, desired: Int, upToDate: Int, restarts: Int, images: [String]) {
            self.kind = kind
            self.name = name
            self.ready = ready
            self.desired = desired
            self.upToDate = upToDate
            self.restarts = restarts
            self.images = images
        }

        public var isReady: Bool { ready == desired && upToDate == desired }
    }

    public var provider: ProviderKind
    public var providerReason: String
    public var cluster: ClusterState
    /// What labrun did to bring the cluster up, when it did (from the state file).
    public var clusterOutcome: CreateOutcome?
    public var kubeconfig: KubeconfigTarget?
    public var serverVersion: String?
    public var nodes: [Node]
    public var namespace: String
    public var namespaceExists: Bool
    public var workloads: [Workload]
    /// The version the API workload answers with (its version header), when it could be asked.
    public var appVersion: String?
    /// Workload → how the host reaches it, as `labrun up` recorded.
    public var endpoints: [String: String]
    /// Remains of interrupted runs, each a sentence saying what and how to clear it.
    public var leftovers: [String]
    /// Why some part could not be read (e.g. the API server did not answer).
    public var problems: [String]
    /// Why the cluster's API could not be used, classified (a kubeconfig, TLS or credentials problem
    /// is not fixed by `labrun up`): the error `status` ends with instead of "not ready".
    public var blocking: LabrunError?

    public init(provider: ProviderKind, providerReason: String, cluster: ClusterState, clusterOutcome: CreateOutcome? = nil,
                kubeconfig: KubeconfigTarget? = nil, serverVersion: String? = nil, nodes: [Node] = [],
                namespace: String, namespaceExists: Bool = false, workloads: [Workload] = [], appVersion: String? = nil,
                endpoints: [String: String] = [:], leftovers: [String] = [], problems: [String] = []) {
        self.provider = provider
        self.providerReason = providerReason
        self.cluster = cluster
        self.clusterOutcome = clusterOutcome
        self.kubeconfig = kubeconfig
        self.serverVersion = serverVersion
        self.nodes = nodes
        self.namespace = namespace
        self.namespaceExists = namespaceExists
        self.workloads = workloads
        self.appVersion = appVersion
        self.endpoints = endpoints
        self.leftovers = leftovers
        self.problems = problems
    }

    /// Cluster running, every node Ready, the stack deployed and every workload ready.
    public var allReady: Bool {
        cluster.isRunning && !nodes.isEmpty && nodes.allSatisfy(\.ready) && namespaceExists
            && !workloads.isEmpty && workloads.allSatisfy(\.isReady) && problems.isEmpty
    }
}
