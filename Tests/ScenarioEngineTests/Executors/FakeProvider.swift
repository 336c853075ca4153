import ClusterProviders
import LabrunCore

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

/// A fake bare provider: this host is the node, so node commands run here as they are; an extra
/// node can be faulted (`node stop labrun-bare-2`), node 1 (`labrun-bare`, the control plane) not.
struct FakeNodeProvider: HostAccess, NodeAccess, NodeFaults {
    var kind = ProviderKind.bare
    func detect() async -> ProviderAvailability { .yes("fake") }
    func status() async throws -> ClusterState { ClusterState(phase: .running) }
    func create() async throws -> CreateOutcome { .alreadyRunning }
    func kubeconfig() async throws -> KubeconfigTarget { KubeconfigTarget(path: "/dev/null") }
    func destroy(_ outcome: CreateOutcome) async throws {}
    func nodeAddress() async throws -> String { "127.0.0.1" }
    func nodeCommand(_ arguments: [String], node: String?, timeout: Double) -> Command {
        Command(arguments[0], Array(arguments.dropFirst()), timeout: timeout)
    }
    func nodeFaultCommand(_ fault: NodeFault, node: String) -> Command? {
        node == BareProvider.firstNode ? nil : Command("node", [fault.rawValue, node], timeout: 60)
    }
}
