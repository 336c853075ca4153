import ClusterProviders
import HTTPClient
import KubernetesClient
import LabrunCore
import StackLifecycle
import StackModel
import ScenarioModel

/// What every action executor shares: the stack, the cluster, its provider, the process runner,
/// the run, and the driver's checks and diagnostics.
///
/// Its helpers live beside it, by concern: `ActionContext+Workloads` (selectors, pods, readiness,
/// waits), `ActionContext+Runtime` (the node's container runtime) and `ActionContext+HTTP`
/// (requests to the stack's Services). `ClusterDriver` builds one for each step's action, and its
/// own checks, diagnostics and load reach the stack through the same helpers.
struct ActionContext: Sendable {
    /// The stack under test: its workloads' kinds, roles, containers and version variables.
    let stack: Stack
    let kube: KubernetesClient
    let provider: any ClusterProvider
    let runner: any ProcessRunner
    let run: RunContext
    /// The step whose action runs (diagnostics name it as their reason); empty outside a step.
    let step: String
    /// Sends the scenario's own HTTP requests (the load has its own client).
    let http: any HTTPSending
    /// Where the stack's Services are reached from the host; nil until setup reached them.
    let access: StackEndpoints?
    /// One attempt at a live check (the driver's probes); a `wait` for an HTTP condition polls it.
    let check: @Sendable (Assertion) async -> AssertionResult
    /// Saves pod logs and events next to the report for a reason (the driver's diagnostics);
    /// returns the files written.
    let collectDiagnostics: @Sendable (CollectDiagnosticsAction, _ reason: String) async -> [String]
    /// The `Authorization` values scenario requests carry (the stack's `traffic.auth`, read at setup; the first
    /// user's with `auth.jwt`); nil for none.
    var credentials: RequestCredentials? = nil
    /// Workload → the `Authorization` value of its own `auth`, which requests to its Service carry instead.
    var workloadCredentials: [String: RequestCredentials] = [:]

    /// The run's namespace: where every action works.
    var namespace: String { run.namespace }
}
