import Foundation
import LabrunCore
import StackModel
import ScenarioModel

/// The side of a run that touches the world: the cluster, the stack, HTTP and SQL.
///
/// `ScenarioRunner` only orchestrates (phases, timeouts, try/catch/finally, cleanup, evaluation);
/// `ClusterDriver` is the real implementation and unit tests use a fake.
public protocol ScenarioDriver: Sendable {
    /// The provider's name for results (`bare`, `minikube`, …).
    var providerName: String { get }

    /// The stack under test (its workloads, traffic and ledger), from its stack file.
    var stack: Stack { get }

    /// The cluster's nodes that are Ready and accept pods (not cordoned).
    func schedulableNodes() async throws -> [String]

    /// Deletes namespaces of interrupted runs; returns one line per namespace removed.
    func sweepLeftovers(timeline: Timeline) async -> [String]

    /// Creates the run's namespace (unless reused) and deploys the stack in the scenario's shape.
    /// Registers an undo for everything it creates in `run.cleanup`.
    func prepare(_ run: RunContext) async throws

    /// Performs one action; throws when it failed or its fault could not be verified.
    func perform(_ action: Action, step: String, run: RunContext) async throws -> ActionOutcome

    /// One attempt at an `http`, `sql` or `kubernetes` check: its result, and whether the request or query
    /// got an answer at all. The runner polls attempts (steady state, end-of-run assertions) and samples
    /// them (invariants); `check` is its result alone.
    func attempt(_ assertion: Assertion, run: RunContext) async -> CheckAttempt

    /// The transport the background load uses.
    func loadTransport(_ run: RunContext) async throws -> any LoadTransport

    /// Idempotency key → rows in the database for the run's keys (the stack's ledger query, read-only), for
    /// the write ledger; called while the load runs and once at the end. Throws when they cannot be read.
    func readLedger(_ ledger: StackLedger, run: RunContext) async throws -> [String: Int]

    /// Saves pod logs and events next to the report; returns the files written (relative paths).
    func collectDiagnostics(_ spec: CollectDiagnosticsAction, reason: String, run: RunContext) async -> [String]

    /// Watches the run's namespace until cancelled and records every pod's life (creation, scheduling,
    /// readiness, container starts, restarts and terminations, evictions, deletions, Kubernetes events)
    /// with `run.recordPodLife`. Never throws: a watch that cannot run is a note in the timeline.
    func observePods(_ run: RunContext) async

    /// Inspects the deployed stack for known weaknesses (no readiness probe, no preStop, no volume)
    /// that explain a failure; one sentence each.
    func likelyCauses(_ run: RunContext) async -> [String]
}

extension ScenarioDriver {
    /// Drivers that watch nothing (unit tests' fakes) record no pod lives.
    public func observePods(_ run: RunContext) async {}

    /// One attempt at an `http`, `sql` or `kubernetes` check, as a result (one that got no answer is a failure saying why).
    public func check(_ assertion: Assertion, run: RunContext) async -> AssertionResult {
        await attempt(assertion, run: run).result
    }
}

/// What an action reports back: when its fault landed and when the workload was whole again.
public struct ActionOutcome: Sendable, Hashable {
    /// When the fault was verified to have landed (run clock).
    public var faultLandedAt: Double?
    /// When the condition the action waited for held (replicas ready, rollout finished).
    public var readyAt: Double?
    /// One line for the step's record.
    public var message: String?

    public init(faultLandedAt: Double? = nil, readyAt: Double? = nil, message: String? = nil) {
        self.faultLandedAt = faultLandedAt
        self.readyAt = readyAt
        self.message = message
    }
}
