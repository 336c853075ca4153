import Foundation
import ScenarioModel

/// How scenarios are run: where reports and diagnostics go, which namespace, which stack variant.
public struct RunOptions: Sendable {
    /// Directory for reports; pod logs and events of a failed run go to `<reportDirectory>/<scenario>/`.
    public var reportDirectory: String
    /// Reuse this namespace instead of a fresh `labrun-<scenario>-<id>` (overrides `setup.reuseNamespace`).
    public var namespace: String?
    /// Keep the run's namespace after the run (for debugging); the default deletes it.
    public var keepNamespace: Bool
    /// Whether the run's end waits until its namespace is gone (the default: a run leaves nothing
    /// behind when it returns). Off, the deletion is requested and the cluster finishes it on its own
    /// — for a caller that runs many scenarios, so each run's slot is free about 10 s sooner: the
    /// end-to-end tests (the cluster goes down after them) and `ScenarioSuite`'s shared runs (the suite
    /// waits for their removal at its end).
    public var awaitsNamespaceRemoval: Bool = true
    /// The workload whose Service receives the background load; nil is the stack file's `traffic.workload`.
    public var loadWorkload: String?
    /// Whether the load keeps connections alive. Off by default: kube-proxy balances connections, so
    /// kept-alive ones would pin the load to a few pods (see `HTTPLoadTransport`).
    public var loadReusesConnections: Bool = false
    /// Changes to the rendered manifests, to deploy a deliberately broken stack (test fixtures).
    public var variant: StackVariant?
    /// Called with each timeline event as it happens (live progress), with the run's name
    /// (`ScenarioResult.runName`: the scenario's, `chaos-pod-kill #2` under `--repeat`).
    public var onEvent: (@Sendable (String, TimelineEvent) -> Void)?
    /// Called with each load request as it completes (live progress), with the run's name; must be quick.
    public var onRequest: (@Sendable (String, RequestRecord) -> Void)?

    public init(reportDirectory: String = "labrun-report", namespace: String? = nil, keepNamespace: Bool = false,
                loadWorkload: String? = nil, variant: StackVariant? = nil,
                onEvent: (@Sendable (String, TimelineEvent) -> Void)? = nil,
                onRequest: (@Sendable (String, RequestRecord) -> Void)? = nil) {
        self.reportDirectory = reportDirectory
        self.namespace = namespace
        self.keepNamespace = keepNamespace
        self.loadWorkload = loadWorkload
        self.variant = variant
        self.onEvent = onEvent
        self.onRequest = onRequest
    }
}
