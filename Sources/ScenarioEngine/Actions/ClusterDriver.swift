import ClusterProviders
import Foundation
import HTTPClient
import KubernetesClient
import LabrunCore
import StackLifecycle

/// The real `ScenarioDriver`: a cluster provider, the Kubernetes API, the project's images and
/// manifests, and the stack reached from the host (NodePorts on the node's address, else
/// `kubectl port-forward`).
public final class ClusterDriver: ScenarioDriver, @unchecked Sendable {
    public let provider: any ClusterProvider
    public let kube: KubernetesClient
    public let kubeconfig: KubeconfigTarget
    public let runner: any ProcessRunner
    public let layout: ProjectLayout
    public let console: Console?
    /// Probes, HTTP actions and SQL use this client (the load has its own).
    let http: HTTPClient
    let lock = NSLock()
    var access: [String: StackAccess] = [:]
    var credentials: [String: DatabaseCredentials] = [:]
    var images: [StackComponent: String] = [:]

    public init(provider: any ClusterProvider, kube: KubernetesClient, kubeconfig: KubeconfigTarget,
                runner: any ProcessRunner, layout: ProjectLayout, console: Console? = nil) throws {
        self.provider = provider
        self.kube = kube
        self.kubeconfig = kubeconfig
        self.runner = runner
        self.layout = layout
        self.console = console
        self.http = try HTTPClient(configuration: HTTPClientConfiguration(timeout: 10, connectTimeout: 3))
    }

    /// A driver for `provider`, with a client from its kubeconfig.
    public static func make(provider: any ClusterProvider, runner: any ProcessRunner, layout: ProjectLayout,
                            environment: [String: String] = ProcessInfo.processInfo.environment,
                            console: Console? = nil) async throws -> ClusterDriver {
        let target = try await provider.kubeconfig()
        let kube = try KubernetesClient.fromKubeconfig(path: target.path, context: target.context, environment: environment)
        return try ClusterDriver(provider: provider, kube: kube, kubeconfig: target, runner: runner, layout: layout, console: console)
    }

    deinit { http.shutdown() }

    public var providerName: String { provider.kind.rawValue }

    func stackAccess(_ run: RunContext) throws -> StackAccess {
        guard let found = lock.withLock({ access[run.namespace] }) else {
            throw LabrunError(id: "STACK_NOT_REACHABLE", message: "The stack in namespace \(run.namespace) has not been set up, so it cannot be reached.")
        }
        return found
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
                run.cleanup.register("delete namespace \(namespace)", timeout: 240) {
                    try await kube.delete(Namespace.self, name: namespace,
                                          options: DeleteOptions(propagationPolicy: .foreground, ignoreNotFound: true))
                    try await Wait(timeout: 200, interval: 1, clock: clock).until("namespace \(namespace) to be deleted") { () async throws -> Bool in
                        do { _ = try await kube.get(Namespace.self, name: namespace); return false } catch let error as LabrunError where error.isNotFound { return true }
                    }
                }
            }
            timeline.record(.note, "setup", "created namespace \(namespace) (label \(RunIdentity.runLabel)=\(run.identity.id))")
        }

        // 2. Images (content-hashed; built only when missing).
        let built = try await ensureImages(run)

        // 3. Manifests in the scenario's shape, deployed.
        let objects = try await renderStack(run, images: built)
        for object in objects {
            try await kube.apply(object, namespace: namespace)
        }
        timeline.record(.note, "setup", "applied \(objects.count) objects")

        // 4. Readiness (watches), then access from the host.
        func names(_ kind: String) -> Set<String> {
            Set(objects.filter { $0["kind"] == .string(kind) }
                .compactMap { $0["metadata"]?["name"]?.stringValue })
        }
        try await ReadinessWaiter(client: kube, namespace: namespace, timeout: 300, clock: run.clock)
            .wait(deployments: names("Deployment"), statefulSets: names("StatefulSet"))
        timeline.record(.recovered, "setup", "every Deployment and StatefulSet is ready")
        let reached = try await reach(run)
        lock.withLock { access[namespace] = reached }
        timeline.record(.note, "setup", "backend at \(reached.backendURL), postgres at \(reached.postgresHost):\(reached.postgresPort)")
        try await waitServing(reached.backendURL + "/readyz", run: run)
    }

    func ensureImages(_ run: RunContext) async throws -> [StackComponent: String] {
        if let cached = lock.withLock({ images.isEmpty ? nil : images }) { return cached }
        let ensureDocker = layout.path("scripts/ensure-docker.sh")
        if FileManager.default.isExecutableFile(atPath: ensureDocker) {
            try await runner.check(Command(ensureDocker, timeout: 300), what: "Making sure a Docker engine answers")
        }
        let timeline = run.timeline
        let builder = ImageBuilder(runner: runner, root: layout.root, progress: { timeline.record(.note, "images", $0) })
        let built = try await builder.ensureBuilt()
        if let loader = provider as? any ImageLoading {
            try await loader.loadImages(built.keys.sorted().compactMap { built[$0] })
        }
        lock.withLock { images = built }
        return built
    }

    /// The project's manifests rendered for the run's namespace, in the scenario's shape, with the
    /// run's variant applied; the Namespace object itself and the autoscaler are left out.
    func renderStack(_ run: RunContext, images: [StackComponent: String]) async throws -> [JSONValue] {
        let generate = layout.path("kubernetes/generate-secret.sh")
        if FileManager.default.isExecutableFile(atPath: generate) {
            try await runner.check(Command(generate, timeout: 60), what: "Writing the database credentials")
        }
        let written = try KustomizationLoader().load(layout.manifests)
        let served = try await ServedAPIs.discover(for: written, client: kube)
        let renderer = ManifestRenderer(namespace: run.namespace,
                                        images: Dictionary(uniqueKeysWithValues: images.map { ($0.key.repository, $0.value) }),
                                        served: served)
        var objects = ApplyOrder.sorted(try renderer.render(written))
        objects.removeAll { object in
            let kind = object["kind"]?.stringValue
            if kind == "HorizontalPodAutoscaler" {
                run.timeline.record(.note, "setup", "left out the HorizontalPodAutoscaler: the scenario sets the replicas")
                return true
            }
            return kind == "Namespace"
        }
        objects = try StackShape(setup: run.scenario.setup).apply(to: objects) { run.timeline.record(.note, "setup", $0) }
        if let variant = run.options.variant {
            objects = try variant.apply(to: objects)
            run.timeline.record(.note, "setup", "stack variant \(variant.name): \(variant.description)")
        }
        // The NodePort twins copy the Services as changed above (a variant's session affinity too).
        return objects + AccessServices.make(from: objects, namespace: run.namespace)
    }

    /// NodePorts on the node's address when the provider gives host access, else port-forwards.
    func reach(_ run: RunContext) async throws -> StackAccess {
        let namespace = run.namespace
        if let host = provider as? any HostAccess {
            let address = try await host.nodeAddress()
            func nodePort(_ component: String) async throws -> Int {
                let service = try await kube.get(Service.self, name: AccessServices.name(for: component), namespace: namespace)
                guard let port = service.spec?.ports?.first?.nodePort else {
                    throw LabrunError(id: "NODEPORT_MISSING", exitCode: ExitCode.external,
                                      message: "Service \(namespace)/\(AccessServices.name(for: component)) has no node port.")
                }
                return port
            }
            let hostPart = address.contains(":") ? "[\(address)]" : address
            return StackAccess(backendURL: "http://\(hostPart):\(try await nodePort("backend"))",
                               frontendURL: "http://\(hostPart):\(try await nodePort("frontend"))",
                               postgresHost: address, postgresPort: try await nodePort("postgres"))
        }
        let forwards = StackLifecycle.CleanupStack()
        run.cleanup.register("stop port-forwards of \(namespace)", timeout: 30) { await forwards.unwind() }
        let forwarder = PortForwarder(runner: runner, kubeconfig: kubeconfig, namespace: namespace, clock: run.clock)
        let backend = try await forwarder.start(service: "backend", remotePort: 8000, cleanup: forwards)
        let frontend = try await forwarder.start(service: "frontend", remotePort: 8080, cleanup: forwards)
        let postgres = try await forwarder.start(service: "postgres", remotePort: 5432, cleanup: forwards)
        let parts = postgres.split(separator: ":")
        return StackAccess(backendURL: backend.hasPrefix("http") ? backend : "http://" + backend,
                           frontendURL: frontend.hasPrefix("http") ? frontend : "http://" + frontend,
                           postgresHost: parts.dropLast().joined(separator: ":").replacingOccurrences(of: "http://", with: ""),
                           postgresPort: parts.last.flatMap { Int($0) } ?? 5432)
    }

    /// Polls a URL until it answers 200.
    func waitServing(_ url: String, run: RunContext, timeout: Double = 90) async throws {
        let http = self.http
        _ = try await Wait(timeout: timeout, interval: 0.5, clock: run.clock).until("\(url) to answer 200") { () async throws -> Poll<Bool> in
            do {
                let response = try await http.send(HTTPRequest(.get, url, timeout: 5))
                return response.status == 200 ? .done(true) : .pending("HTTP \(response.status)")
            } catch let error as LabrunError {
                return .pending(error.message)
            }
        }
    }
}
