import ClusterProviders
import Foundation
import HTTPClient
import KubernetesClient
import LabrunCore
import StackModel

/// The one way a stack gets into a cluster: images → rendered objects → applied → ready → reached.
///
/// `labrun up`, every scenario and the tests call these same steps (as e2e-framework's env funcs),
/// so rendering, tracing and the access fallback cannot drift apart. Each step is a method so
/// callers can put their own progress around it; none of them sleeps blindly.
public struct StackDeployer: Sendable {
    public let stack: Stack
    public let provider: any ClusterProvider
    public let kube: KubernetesClient
    public let kubeconfig: KubeconfigTarget
    public let runner: any ProcessRunner
    /// labrun's own project (for `scripts/ensure-docker.sh`), not the stack's.
    public let layout: ProjectLayout
    public let clock: any LabClock
    /// Progress lines.
    public let progress: @Sendable (String) -> Void
    /// Whether a TCP connection to a host and port opens; nil is the real check (unit tests inject one).
    public let connectionCheck: (@Sendable (String, Int) async -> Bool)?
    /// Where the images are pushed for the cluster to pull (`--registry`); nil: loaded by the provider
    /// or already on its nodes.
    public let registry: ImageRegistry?

    public init(stack: Stack, provider: any ClusterProvider, kube: KubernetesClient, kubeconfig: KubeconfigTarget,
                runner: any ProcessRunner, layout: ProjectLayout, clock: any LabClock = SystemClock(),
                registry: ImageRegistry? = nil,
                progress: @escaping @Sendable (String) -> Void = { _ in },
                connectionCheck: (@Sendable (String, Int) async -> Bool)? = nil) {
        self.connectionCheck = connectionCheck
        self.registry = registry
        self.stack = stack
        self.provider = provider
        self.kube = kube
        self.kubeconfig = kubeconfig
        self.runner = runner
        self.layout = layout
        self.clock = clock
        self.progress = progress
    }

    // MARK: 1. Images

    /// Builds the images whose inputs changed and makes them reachable for the cluster: pushed to
    /// the registry when there is one (and then named by their reference there), else loaded when the
    /// provider needs that; returns repository → reference to deploy.
    public func ensureImages() async throws -> [String: String] {
        guard !stack.images.isEmpty else { return [:] }
        try await ImageBuilder.ensureEngine(runner: runner, layout: layout)
        let builder = ImageBuilder(runner: runner, stack: stack, progress: progress)
        let plans = try await builder.plan()
        let built = try await builder.ensureBuilt(plans: plans)
        progress(plans.map { $0.reference + ($0.present ? "" : " (built)") }.joined(separator: ", "))
        if let registry {
            return try await ImagePusher(runner: runner, registry: registry, clock: clock, progress: progress).push(built)
        }
        if let loader = provider as? any ImageLoading {
            try await loader.loadImages(built.values.sorted())
        }
        return built
    }

    /// Refuses to deploy when the cluster's nodes cannot see `images` (from `ensureImages`): for a
    /// provider that does not load images (Minikube, kind, bare do), and
    /// with no registry, a probe pod in `namespace` (which must exist) asks the kubelet. Without it,
    /// the pods would sit in `ErrImageNeverPull`/`ErrImagePull` until the readiness wait times out.
    /// A probe that cannot answer (not allowed, not scheduled in time) is reported and not a refusal.
    public func ensureVisible(_ images: [String: String], namespace: String) async throws {
        guard registry == nil, !(provider is any ImageLoading), !images.isEmpty else { return }
        let references = images.values.sorted()
        progress("checking that the cluster's nodes have the images built here (a probe pod that runs nothing, in \(namespace))")
        let start = clock.now()
        switch try await ImageVisibilityProbe(kube: kube, namespace: namespace, clock: clock).check(references) {
        case .visible:
            progress("the nodes have them (\(formatSeconds(clock.now() - start)))")
        case .undecided(let why):
            progress("could not check whether the nodes have the images (\(why)); going on — pods in ErrImagePull mean they do not: use --registry")
        case .notVisible(let missing):
            throw LabrunError(
                id: ErrorID.imagesNotVisible, exitCode: ExitCode.unavailable,
                message: "The cluster's nodes do not have the images built on this host: \(missing.joined(separator: ", ")). "
                    + "The \(provider.kind) provider cannot copy them there, so the stack's pods would never start; nothing of the stack was applied.",
                advice: "Push them to a registry the cluster pulls from: `--registry HOST[/PATH]` (or LABRUN_REGISTRY), with `--registry-pull-secret NAME` "
                    + "for a private one. For a local Minikube or kind cluster, use `--provider minikube` or `--provider kind`, which load the images themselves.")
        }
    }

    // MARK: 2. Objects

    /// The stack's objects for `namespace`: the `prepare` commands run, the source rendered (kustomize
    /// or Helm), images replaced by the builds, API versions chosen from discovery; then `shape`
    /// (a scenario's setup and variant) and the NodePort twins of the reachable Services.
    /// `forScenario` leaves out the Namespace object and the kinds the stack file skips in scenarios,
    /// but for `keepKinds` (a scenario's `setup.keepKinds`); `values` (a scenario's `setup.values`) are
    /// merged over a Helm chart's values.
    public func objects(namespace: String, images: [String: String], forScenario: Bool, keepKinds: [String] = [],
                        values: [String: JSONValue] = [:],
                        shape: ([JSONValue]) throws -> [JSONValue] = { $0 }) async throws -> [JSONValue] {
        for argv in stack.deploy.prepare where !argv.isEmpty {
            try await runner.check(StackCommand.make(argv, stack: stack, timeout: 120),
                                   what: "Preparing the stack (deploy.prepare in \(stack.file))")
        }
        let written = try await sourceObjects(namespace: namespace, values: values)
        let served = try await ServedAPIs.discover(for: written, client: kube)
        var rendered = written
        if !forScenario && !written.contains(where: { $0["kind"]?.stringValue == "Namespace" }) {
            // A stack whose manifests bring no Namespace (most kustomizations) still gets its own.
            rendered.insert(["apiVersion": "v1", "kind": "Namespace", "metadata": ["name": .string(namespace)]], at: 0)
        }
        var objects = ApplyOrder.sorted(try ManifestRenderer(namespace: namespace, images: images, served: served, registry: registry).render(rendered))
        if forScenario {
            let (deployed, leftOut) = Self.forScenario(objects, skipping: stack.deploy.scenarioSkipsKinds, keeping: keepKinds)
            for object in leftOut where object["kind"]?.stringValue != "Namespace" {
                progress("left out \(object["kind"]?.stringValue ?? "") \(object.value(at: "metadata.name")?.stringValue ?? ""): deploy.scenarioSkipsKinds")
            }
            objects = deployed
        }
        objects = try shape(objects)
        // The twins copy the Services as shaped above (a variant's session affinity too).
        let services = Set(stack.exposed.compactMap { $0.service?.name })
        return objects + AccessServices.make(from: objects, services: services, namespace: namespace)
    }

    /// A scenario's objects: the Namespace and the kinds the stack file skips in scenarios left out, but
    /// for those the scenario keeps (`setup.keepKinds`).
    public static func forScenario(_ objects: [JSONValue], skipping: [String], keeping: [String]) -> (deployed: [JSONValue], leftOut: [JSONValue]) {
        let skipped = Set(skipping).subtracting(keeping).union(["Namespace"])
        let out = objects.filter { skipped.contains($0["kind"]?.stringValue ?? "") }
        return (objects.filter { !skipped.contains($0["kind"]?.stringValue ?? "") }, out)
    }

    /// The objects as the stack's source renders them.
    func sourceObjects(namespace: String, values extra: [String: JSONValue]) async throws -> [JSONValue] {
        switch stack.deploy.source {
        case .kustomize(let base):
            let directory = stack.deploy.overlays[provider.kind.rawValue] ?? base
            progress("rendering the kustomization in \(directory)" + (directory == base ? "" : " (deploy.overlays.\(provider.kind.rawValue))"))
            return try await KustomizeRenderer(runner: runner).render(stack.path(directory))
        case .helm(let chart, let release, let valuesFiles, let values):
            progress("rendering the Helm chart \(chart)")
            return try await HelmChartRenderer(runner: runner, chart: stack.path(chart), release: release,
                                               valuesFiles: valuesFiles.map(stack.path))
                .render(namespace: namespace, provider: provider.kind.rawValue, values: Self.merged(values, extra))
        }
    }

    /// The stack file's inline values with a scenario's merged over them (mappings recursively).
    static func merged(_ base: JSONValue?, _ extra: [String: JSONValue]) -> JSONValue? {
        guard !extra.isEmpty else { return base }
        func merge(_ left: JSONValue, _ right: JSONValue) -> JSONValue {
            guard case .object(var members) = left, case .object(let over) = right else { return right }
            for (key, value) in over { members[key] = members[key].map { merge($0, value) } ?? value }
            return .object(members)
        }
        return merge(base ?? .object([:]), .object(extra))
    }

    // MARK: 3. Apply

    public func apply(_ objects: [JSONValue], namespace: String, trace: (String) -> Void = { _ in }) async throws {
        for object in objects {
            trace("apply \(object["apiVersion"]?.stringValue ?? "") \(object["kind"]?.stringValue ?? "?") \(object.value(at: "metadata.name")?.stringValue ?? "?")")
            try await kube.apply(object, namespace: namespace)
        }
    }

    // MARK: 4. Ready

    /// Waits, by watching, until every Deployment, StatefulSet and DaemonSet among `objects` is rolled out.
    public func waitReady(_ objects: [JSONValue], namespace: String, timeout: Double = 300) async throws {
        func names(_ kind: String) -> Set<String> {
            Set(objects.filter { $0["kind"]?.stringValue == kind }.compactMap { $0.value(at: "metadata.name")?.stringValue })
        }
        try await ReadinessWaiter(client: kube, namespace: namespace, timeout: timeout, clock: clock)
            .wait(deployments: names("Deployment"), statefulSets: names("StatefulSet"), daemonSets: names("DaemonSet"))
    }

    // MARK: 5. Reach

    /// How the host reaches the reachable Services: `access` when given, else the first that works
    /// of their NodePort twins on the node's address (when it answers from here), `minikube service
    /// --url` (Minikube: a tunnel where the node is not routable, as with Docker Desktop and rootless
    /// Docker), and `kubectl port-forward`. The database is never on a node port: it is reached through
    /// a port-forward whichever way the rest is. Background processes are registered with `forwards`;
    /// they last as long as the caller keeps them, so only NodePort URLs outlive the command — the
    /// endpoints say how to reopen the others (`reopen`).
    public func reach(namespace: String, forwards: CleanupStack, access: AccessMethod? = nil) async throws -> StackEndpoints {
        let databases = stack.reachable.filter { $0.role == .database }
        var served = try await reachExposed(namespace: namespace, forwards: forwards, access: access)
        guard !databases.isEmpty else { return served }
        let forwarded = try await portForward(databases, namespace: namespace, forwards: forwards)
        served.entries += forwarded.entries
        served.reopen.merge(forwarded.reopen) { first, _ in first }
        if served.method != "port-forward" { served.method += "; the database through port-forward" }
        return served
    }

    /// How the host reaches the exposed Services (all reachable ones but the database).
    func reachExposed(namespace: String, forwards: CleanupStack, access: AccessMethod?) async throws -> StackEndpoints {
        let workloads = stack.exposed
        if workloads.isEmpty { return StackEndpoints(entries: [], method: "port-forward") }
        if access == nil || access == .nodePort {
            let address = try await nodeAddress()
            if let address {
                let entries = try await nodePortEntries(namespace: namespace, address: address)
                if let probe = entries.first, await connects(probe.host, probe.port) {
                    return StackEndpoints(entries: entries, method: "NodePort on \(address)")
                }
                if access == .nodePort {
                    throw LabrunError(id: ErrorID.accessFailed, exitCode: ExitCode.unavailable,
                                      message: "The stack's NodePorts do not answer from this host (\(probe(entries) ?? address)), and --access nodeport was asked for.",
                                      advice: "Leave out --access to let labrun fall back to `minikube service` or `kubectl port-forward`, or choose one of them.")
                }
                progress("the node's NodePorts do not answer from this host (\(probe(entries) ?? address))")
            } else if access == .nodePort {
                throw LabrunError(id: ErrorID.nodeAddressUnknown, exitCode: ExitCode.unavailable,
                                  message: "The \(provider.kind) cluster gives no node address, so --access nodeport cannot work.",
                                  advice: "Leave out --access, or use --access port-forward.")
            }
        }
        if access == .service || (access == nil && provider is any ServiceURLs) {
            guard let urls = provider as? any ServiceURLs else {
                throw LabrunError(id: ErrorID.accessFailed, exitCode: ExitCode.usage,
                                  message: "--access service needs `minikube service`, and the provider is \(provider.kind).",
                                  advice: "Use --access port-forward or nodeport, or leave --access out.")
            }
            progress("reaching the Services through `minikube service --url`")
            let opener = ServiceURLOpener(runner: runner, clock: clock)
            var entries: [StackEndpoints.Endpoint] = []
            var reopen: [String: String] = [:]
            for workload in workloads {
                guard let service = workload.service else { continue }
                let twin = AccessServices.name(for: service.name)
                let index = try await twinPortIndex(namespace: namespace, service: service.name, port: service.port)
                let command = urls.serviceURLCommand(service: twin, namespace: namespace)
                let (host, port) = try await opener.open(command, index: index, what: "\(namespace)/\(twin)", cleanup: forwards)
                entries.append(.init(workload: workload.name, host: host, port: port))
                reopen[workload.name] = command.description
            }
            return StackEndpoints(entries: entries, method: "minikube service", reopen: reopen)
        }
        return try await portForward(workloads, namespace: namespace, forwards: forwards)
    }

    /// Reaches `workloads` through `kubectl port-forward` (one per ready pod, behind a local relay).
    func portForward(_ workloads: [StackWorkload], namespace: String, forwards: CleanupStack) async throws -> StackEndpoints {
        progress("reaching \(workloads.map(\.name).joined(separator: ", ")) through `kubectl port-forward`")
        let kube = self.kube
        let forwarder = PortForwarder(runner: runner, kubeconfig: kubeconfig, namespace: namespace, clock: clock,
                                      accepts: { port in await self.connects("127.0.0.1", port) },
                                      readyPods: { service, port in try await Self.readyPods(kube, namespace: namespace, service: service, port: port) })
        var entries: [StackEndpoints.Endpoint] = []
        var reopen: [String: String] = [:]
        for workload in workloads {
            guard let service = workload.service else { continue }
            let local = try await forwarder.start(service: service.name, remotePort: service.port, cleanup: forwards)
            let port = local.split(separator: ":").last.flatMap { Int($0) } ?? 0
            entries.append(.init(workload: workload.name, host: "127.0.0.1", port: port))
            reopen[workload.name] = forwarder.command(service: service.name, localPort: service.port, remotePort: service.port).description
        }
        return StackEndpoints(entries: entries, method: "port-forward", reopen: reopen)
    }

    private func probe(_ entries: [StackEndpoints.Endpoint]) -> String? { entries.first?.address }

    /// The ready pods behind `service:port` and the pods' port for it, from the Service and its
    /// Endpoints; nil while either is missing.
    static func readyPods(_ kube: KubernetesClient, namespace: String, service: String, port: Int) async throws -> PortForwarder.ReadyPods? {
        let spec: Service
        let endpoints: Endpoints
        do {
            spec = try await kube.get(Service.self, name: service, namespace: namespace)
            endpoints = try await kube.get(Endpoints.self, name: service, namespace: namespace)
        } catch let error as LabrunError where error.isNotFound {
            return nil
        }
        let portName = spec.spec?.ports?.first { $0.port == port }?.name
        var pods: [String] = []
        var targetPort: Int?
        for subset in endpoints.subsets ?? [] {
            let ports = subset.ports ?? []
            guard let match = ports.count == 1 ? ports.first : ports.first(where: { $0.name == portName }) else { continue }
            targetPort = match.port
            pods += (subset.addresses ?? []).compactMap { $0.targetRef?.kind == "Pod" ? $0.targetRef?.name : nil }
        }
        guard let targetPort else { return PortForwarder.ReadyPods(pods: [], targetPort: port) }
        return PortForwarder.ReadyPods(pods: pods.sorted(), targetPort: targetPort)
    }

    /// The NodePort twins' ports on `address`, one per reachable workload.
    func nodePortEntries(namespace: String, address: String) async throws -> [StackEndpoints.Endpoint] {
        var entries: [StackEndpoints.Endpoint] = []
        for workload in stack.exposed {
            guard let service = workload.service else { continue }
            let twin = try await kube.get(Service.self, name: AccessServices.name(for: service.name), namespace: namespace)
            let ports = twin.spec?.ports ?? []
            guard let nodePort = (ports.first { $0.port == service.port } ?? ports.first)?.nodePort else {
                throw LabrunError(id: ErrorID.nodeportMissing, exitCode: ExitCode.external,
                                  message: "Service \(namespace)/\(AccessServices.name(for: service.name)) has no node port.")
            }
            entries.append(.init(workload: workload.name, host: address, port: nodePort))
        }
        return entries
    }

    /// Where `port` is among the twin's ports (minikube prints one URL per port, in this order).
    func twinPortIndex(namespace: String, service: String, port: Int) async throws -> Int {
        let twin = try await kube.get(Service.self, name: AccessServices.name(for: service), namespace: namespace)
        return (twin.spec?.ports ?? []).firstIndex { $0.port == port } ?? 0
    }

    /// Whether a connection to host:port opens (the injected check, else `accepts`).
    func connects(_ host: String, _ port: Int) async -> Bool {
        if let connectionCheck { return await connectionCheck(host, port) }
        return await Self.accepts(host: host, port: port, clock: clock)
    }

    /// The node's address: the provider's own word, else the first node's InternalIP; nil when unknown.
    func nodeAddress() async throws -> String? {
        if let host = provider as? any HostAccess { return try await host.nodeAddress() }
        let nodes = try await kube.list(ResourceType.nodes, as: JSONValue.self).items
        let addresses = nodes.first?.value(at: "status.addresses")?.arrayValue ?? []
        return addresses.first { $0["type"]?.stringValue == "InternalIP" }?["address"]?.stringValue
    }

    /// Whether a TCP connection to host:port opens within 3 s (retried for that long).
    static func accepts(host: String, port: Int, clock: any LabClock) async -> Bool {
        let http = try? HTTPClient(configuration: HTTPClientConfiguration(timeout: 2, connectTimeout: 1))
        defer { http?.shutdown() }
        guard let http else { return false }
        let deadline = clock.now() + 3
        while clock.now() < deadline {
            do {
                _ = try await http.send(HTTPRequest(.head, "http://\(host.contains(":") ? "[\(host)]" : host):\(port)/", timeout: 2))
                return true
            } catch let error as LabrunError where error.id != ErrorID.httpConnect && error.id != ErrorID.httpTimeout {
                return true   // something answered, even if not with HTTP
            } catch {
                try? await clock.sleep(seconds: 0.25)
            }
        }
        return false
    }

    // MARK: 6. Serving

    /// Waits until each reachable workload's `ready` path answers 200 (the API first).
    public func waitServing(_ endpoints: StackEndpoints, timeout: Double = 90) async throws {
        let http = try HTTPClient(configuration: HTTPClientConfiguration(timeout: 5, connectTimeout: 2))
        defer { http.shutdown() }
        let ordered = stack.reachable.sorted { ($0.role == .api ? 0 : 1, $0.name) < ($1.role == .api ? 0 : 1, $1.name) }
        for workload in ordered {
            guard let path = workload.service?.ready, let base = endpoints.url(workload.name) else { continue }
            let url = base + path
            _ = try await Wait(timeout: timeout, interval: 0.5, clock: clock).until("\(url) to answer 200") { () async throws -> Poll<Bool> in
                do {
                    let response = try await http.send(HTTPRequest(.get, url, timeout: 5))
                    return response.status == 200 ? .done(true) : .pending("HTTP \(response.status)")
                } catch let error as LabrunError {
                    return .pending(error.message)
                }
            }
        }
    }
}
