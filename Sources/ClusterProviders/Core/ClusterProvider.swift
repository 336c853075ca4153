import LabrunCore

/// A Kubernetes cluster labrun can bring up, reach and take down.
///
/// Modelled on e2e-framework's provider: a small core (detect, status, create, kubeconfig,
/// destroy) that every backend has, and optional abilities as separate protocols
/// (`ImageLoading`, `ClusterStopStart`, `HostAccess`) that callers test for with `as?`.
public protocol ClusterProvider: Sendable {
    /// Which backend this is.
    var kind: ProviderKind { get }

    /// Whether this provider can work on this machine; when not, what was looked for.
    func detect() async -> ProviderAvailability

    /// The cluster's current state. Never changes anything.
    func status() async throws -> ClusterState

    /// Makes the cluster run: creates it, starts it, or does nothing when it already runs.
    /// Returns what it had to do, so `down` undoes only what labrun did.
    func create() async throws -> CreateOutcome

    /// Where to reach the cluster's API (kubeconfig file and context).
    func kubeconfig() async throws -> KubeconfigTarget

    /// Undoes `create`: deletes a cluster labrun created, stops one it only started.
    func destroy(_ outcome: CreateOutcome) async throws
}
