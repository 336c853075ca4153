import ClusterProviders

/// A cluster provider for the executors' tests. Its kind decides what the executors allow (only
/// the bare one gives this host the node's container runtime and the local-address guard); its node
/// address is what that guard looks for on this host.
struct FakeProvider: HostAccess {
    var kind: ProviderKind
    var address = "127.0.0.1"

    func detect() async -> ProviderAvailability { .yes("fake") }
    func status() async throws -> ClusterState { ClusterState(phase: .running) }
    func create() async throws -> CreateOutcome { .alreadyRunning }
    func kubeconfig() async throws -> KubeconfigTarget { KubeconfigTarget(path: "/dev/null") }
    func destroy(_ outcome: CreateOutcome) async throws {}
    func nodeAddress() async throws -> String { address }
}
