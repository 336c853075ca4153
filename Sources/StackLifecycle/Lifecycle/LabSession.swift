import ClusterProviders
import Foundation
import HTTPClient
import KubernetesClient
import LabrunCore

/// One lab command's work: `up`, `down` and `status` over a cluster provider and the todo stack.
///
/// The CLI only parses arguments and calls these methods. Every step prints its progress on the
/// console; every failure is a `LabrunError`; everything `up` creates registers its undo, run on
/// failure and on Ctrl-C.
public final class LabSession: Sendable {
    public let options: LabOptions
    public let console: Console
    public let runner: any ProcessRunner
    public let layout: ProjectLayout
    public let environment: [String: String]
    public let clock: any LabClock
    public let store: StateStore

    public init(options: LabOptions, console: Console, runner: any ProcessRunner, layout: ProjectLayout,
                environment: [String: String] = ProcessInfo.processInfo.environment, clock: any LabClock = SystemClock()) {
        self.options = options
        self.console = console
        self.runner = runner
        self.layout = layout
        self.environment = environment
        self.clock = clock
        self.store = StateStore(layout: layout)
    }

    var providerContext: ProviderContext {
        let console = self.console
        return ProviderContext(runner: runner, environment: environment, layout: layout, clock: clock,
                               progress: { console.info("  " + $0) })
    }

    var namespace: String { options.namespace }

    // MARK: provider

    /// The provider: `--provider`/`LABRUN_PROVIDER`/`--kubeconfig` when given, else the one the
    /// last `up` used (from the state file), else auto-detection.
    public func selectProvider() async throws -> (provider: any ClusterProvider, reason: String) {
        let selector = ProviderSelector(context: providerContext,
                                        probe: KubernetesProbe(allowInsecureCredentials: options.allowInsecureCredentials))
        let request = ProviderSelector.Request(provider: options.provider, kubeconfig: options.kubeconfig,
                                               kubeContext: options.kubeContext)
        if try selector.explicitChoice(request) == nil, let remembered = try store.load().stacks[namespace]?.provider {
            let provider = selector.make(remembered, request: request)
            if await provider.detect().available {
                return (provider, "used by the last `labrun up` for namespace \(namespace)")
            }
        }
        return try await selector.select(request)
    }

    public func client(for provider: any ClusterProvider) async throws -> KubernetesClient {
        let target = try await provider.kubeconfig()
        do {
            var configuration = try Kubeconfig.load(explicitPath: target.path, environment: environment)
                .configuration(context: target.context, runner: runner)
            configuration.allowInsecureCredentials = options.allowInsecureCredentials
            guard console.level >= .verbose else { return try KubernetesClient(configuration: configuration) }
            let http = try HTTPClient(configuration: configuration.httpConfiguration())
            let console = self.console
            return try KubernetesClient(configuration: configuration, http: TracingHTTP(base: http) { console.debug($0) },
                                        clock: clock)
        } catch let error as LabrunError {
            throw ClusterAccessFailure.classify(LabrunError(id: error.id, exitCode: error.exitCode,
                                                            message: "Could not use the kubeconfig \(target): \(error.message)",
                                                            advice: error.advice, debugDetail: error.debugDetail),
                                                target: target, neverStarts: provider.kind == .existing)
        }
    }
}
