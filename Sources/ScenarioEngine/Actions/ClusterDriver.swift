import ClusterProviders
import Foundation
import HTTPClient
import KubernetesClient
import LabrunCore
import StackLifecycle
import StackModel
import ScenarioModel

/// The real `ScenarioDriver`: a cluster provider, the Kubernetes API, the stack its stack file
/// describes (deployed by `StackDeployer`, the same steps as `labrun up`), reached from the host.
public final class ClusterDriver: ScenarioDriver, @unchecked Sendable {
    public let stack: Stack
    public let provider: any ClusterProvider
    public let kube: KubernetesClient
    public let kubeconfig: KubeconfigTarget
    public let runner: any ProcessRunner
    public let layout: ProjectLayout
    public let console: Console?
    /// Probes, HTTP actions and SQL use this client (the load has its own).
    let http: HTTPClient
    let lock = NSLock()
    var access: [String: StackEndpoints] = [:]
    var credentials: [String: DatabaseCredentials] = [:]
    /// Namespace → the `Authorization` values the stack's `traffic.auth` gives (its Secret read, or tokens signed, at setup).
    var requestCredentials: [String: RequestCredentials] = [:]
    /// Namespace → workload → the `Authorization` value of the workload's own `auth` (its Secret read at setup).
    var workloadCredentials: [String: [String: RequestCredentials]] = [:]
    /// The stack's images, built (or found) once per stack file and provider in this process: for runs
    /// that start together (`--parallel`) and for drivers made side by side (the end-to-end tests,
    /// whose concurrent builds would otherwise race in `docker/build.sh`'s shared cache).
    static let images = SingleFlights<[String: String]>()

    /// How the host reaches each run's stack (`--access`); nil lets the deployer choose.
    public let accessMethod: AccessMethod?
    /// `--allow-insecure-credentials`: the stack's `traffic.auth` token may go over plain HTTP to another host.
    public let allowInsecureCredentials: Bool
    /// Where the images are pushed for the cluster to pull (`--registry`); nil: none.
    public let registry: ImageRegistry?

    public init(stack: Stack, provider: any ClusterProvider, kube: KubernetesClient, kubeconfig: KubeconfigTarget,
                runner: any ProcessRunner, layout: ProjectLayout, console: Console? = nil, access: AccessMethod? = nil,
                allowInsecureCredentials: Bool = false, registry: ImageRegistry? = nil) throws {
        self.accessMethod = access
        self.allowInsecureCredentials = allowInsecureCredentials
        self.registry = registry
        self.stack = stack
        self.provider = provider
        self.kube = kube
        self.kubeconfig = kubeconfig
        self.runner = runner
        self.layout = layout
        self.console = console
        self.http = try HTTPClient(configuration: HTTPClientConfiguration(timeout: 10, connectTimeout: 3,
                                                                          allowInsecureCredentials: allowInsecureCredentials))
    }

    /// A driver for `provider`, with a client from its kubeconfig (traced with `--verbose`).
    public static func make(stack: Stack, provider: any ClusterProvider, session: LabSession) async throws -> ClusterDriver {
        let target = try await provider.kubeconfig()
        let kube = try await session.client(for: provider)
        return try ClusterDriver(stack: stack, provider: provider, kube: kube, kubeconfig: target, runner: session.runner,
                                 layout: session.layout, console: session.console, access: session.options.access,
                                 allowInsecureCredentials: session.options.allowInsecureCredentials,
                                 registry: session.options.registry)
    }

    deinit { http.shutdown() }

    public var providerName: String { provider.kind.rawValue }

    // MARK: actions

    /// Runs the action's executor (`Executors/`) in a context for this step.
    public func perform(_ action: Action, step: String, run: RunContext) async throws -> ActionOutcome {
        try await action.executor.execute(in: context(run, step: step))
    }

    /// What the executors share for one step's action. The driver's own checks, diagnostics and
    /// load reach the stack through the same helpers, with no step.
    func context(_ run: RunContext, step: String = "") -> ActionContext {
        ActionContext(stack: stack, kube: kube, provider: provider, runner: runner, run: run, step: step, http: http,
                      access: lock.withLock { access[run.namespace] },
                      check: { assertion in await self.check(assertion, run: run) },
                      collectDiagnostics: { spec, reason in await self.collectDiagnostics(spec, reason: reason, run: run) },
                      credentials: lock.withLock { requestCredentials[run.namespace] },
                      workloadCredentials: lock.withLock { workloadCredentials[run.namespace] ?? [:] })
    }

    /// The deployer for one run, its progress on the run's timeline.
    func deployer(_ run: RunContext) -> StackDeployer {
        let timeline = run.timeline
        return StackDeployer(stack: stack, provider: provider, kube: kube, kubeconfig: kubeconfig, runner: runner,
                             layout: layout, clock: run.clock, registry: registry, progress: { timeline.record(.note, "setup", $0) })
    }

    public func schedulableNodes() async throws -> [String] {
        try await kube.list(ResourceType.nodes, as: NodeView.self).items.filter(\.acceptsPods).compactMap(\.metadata?.name)
    }

    // MARK: leftovers

    public func sweepLeftovers(timeline: Timeline) async -> [String] {
        do {
            let namespaces = try await kube.list(Namespace.self, options: ListOptions(labelSelector: RunIdentity.runLabel)).items
            let candidates = namespaces.compactMap { ns -> LeftoverSweeper.Candidate? in
                guard let name = ns.metadata.name else { return nil }
                return LeftoverSweeper.Candidate(name: name, labels: ns.metadata.labels ?? [:],
                                                 annotations: ns.metadata.annotations ?? [:],
                                                 terminating: ns.status?.phase == "Terminating")
            }
            var lines: [String] = []
            for leftover in LeftoverSweeper().leftovers(candidates) {
                do {
                    try await kube.delete(Namespace.self, name: leftover.name,
                                          options: DeleteOptions(propagationPolicy: .background, ignoreNotFound: true))
                    lines.append("deleted namespace \(leftover.name): \(leftover.reason)")
                } catch {
                    lines.append("could not delete leftover namespace \(leftover.name): \(RunFailure.describe(error))")
                }
            }
            return lines
        } catch {
            return ["could not look for leftovers of interrupted runs: \(RunFailure.describe(error))"]
        }
    }

    // MARK: setup

    public func prepare(_ run: RunContext) async throws {
        let timeline = run.timeline
        let namespace = run.namespace
        // 1. The namespace, labelled with the run and its owner process.
        if run.identity.reusedNamespace {
            timeline.record(.note, "setup", "reusing namespace \(namespace) (it is kept after the run)")
        } else {
            var meta = ObjectMeta(name: namespace, labels: run.identity.labels)
            meta.annotations = RunIdentity.ownerAnnotations()
            _ = try await kube.create(Namespace(metadata: meta))
            if !run.options.keepNamespace {
                let kube = self.kube
                let clock = run.clock
                if run.options.awaitsNamespaceRemoval {
                    run.cleanup.register("delete namespace \(namespace)", timeout: 240) {
                        try await kube.removeNamespace(namespace, timeout: 200, clock: clock)
                    }
                } else {
                    run.cleanup.register("delete namespace \(namespace) (requested; the cluster finishes it, not waited for)", timeout: 60) {
                        try await kube.requestNamespaceRemoval(namespace)
                    }
                }
            }
            timeline.record(.note, "setup", "created namespace \(namespace) (label \(RunIdentity.runLabel)=\(run.identity.id))")
        }

        // 2. Images (content-hashed; built only when missing; pushed to the registry, or else checked to
        // be on the nodes, in the first run's namespace; once per stack, provider and registry).
        let deployer = self.deployer(run)
        let key = [stack.file, providerName, registry?.location ?? ""].joined(separator: "|")
        let built = try await Self.images.value(for: key) {
            let images = try await deployer.ensureImages()
            try await deployer.ensureVisible(images, namespace: namespace)
            return images
        }

        // 3. The stack's objects in the scenario's shape, with the run's variant, deployed.
        let shape = StackShape(setup: run.scenario.setup, stack: stack)
        let variant = run.options.variant
        let objects = try await deployer.objects(namespace: namespace, images: built, forScenario: true,
                                                 keepKinds: run.scenario.setup.keepKinds, values: run.scenario.setup.values) { objects in
            var out = try shape.apply(to: objects) { timeline.record(.note, "setup", $0) }
            if let variant {
                out = try variant.apply(to: out)
                timeline.record(.note, "setup", "stack variant \(variant.name): \(variant.description)")
            }
            return out
        }
        try await deployer.apply(objects, namespace: namespace) { line in self.console?.debug(line) }
        timeline.record(.note, "setup", "applied \(objects.count) objects")

        // 4. Readiness (watches), then access from the host.
        try await deployer.waitReady(objects, namespace: namespace)
        timeline.record(.recovered, "setup", "every Deployment and StatefulSet is ready")
        let forwards = StackLifecycle.CleanupStack()
        run.cleanup.register("stop port-forwards of \(namespace)", timeout: 30) { await forwards.unwind() }
        let reached = try await deployer.reach(namespace: namespace, forwards: forwards, access: accessMethod)
        lock.withLock { access[namespace] = reached }
        if let auth = stack.traffic.auth {
            // Refused here, before the run, rather than on every request of the load.
            if !allowInsecureCredentials {
                for workload in Set([stack.traffic.workload, stack.api?.name].compactMap { $0 }) {
                    if let url = reached.url(workload) { try HTTPRequest.checkCredentialTransport(url) }
                }
            }
            let value = try await credentials(auth, namespace: namespace)
            lock.withLock { requestCredentials[namespace] = value }
            timeline.record(.note, "setup", "requests carry the credentials of traffic.auth (redacted)"
                            + (value.users.isEmpty ? "" : ", a token per user for \(value.users.count) user\(value.users.count == 1 ? "" : "s")"))
        }
        var own: [String: RequestCredentials] = [:]
        for workload in stack.workloads {
            guard let auth = workload.auth else { continue }
            if !allowInsecureCredentials, let url = reached.url(workload.name) { try HTTPRequest.checkCredentialTransport(url) }
            own[workload.name] = try await credentials(auth, namespace: namespace)
        }
        if !own.isEmpty {
            lock.withLock { workloadCredentials[namespace] = own }
            timeline.record(.note, "setup", "requests to \(own.keys.sorted().joined(separator: ", ")) carry their workload's own credentials (redacted)")
        }
        timeline.record(.note, "setup", "reached by \(reached.method): "
                        + reached.entries.map { "\($0.workload) at \($0.address)" }.joined(separator: ", "))
        try await deployer.waitServing(reached)
    }
}
