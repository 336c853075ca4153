import ClusterProviders
import Foundation
import HTTPClient
import KubernetesClient
import LabrunCore

extension LabSession {
    /// What `up` brought up, and how to reach it.
    public struct UpResult: Sendable {
        public var provider: ProviderKind
        public var clusterOutcome: CreateOutcome
        public var images: [StackComponent: String]
        public var endpoints: StackEndpoints
        public var seconds: Double

        /// The lines `labrun up` prints on standard output.
        public var summary: String {
            var lines = ["frontend: \(endpoints.frontendURL)"]
            if let backend = endpoints.backendURL { lines.append("backend:  \(backend)") }
            if let postgres = endpoints.postgresAddress { lines.append("postgres: \(postgres)") }
            return lines.joined(separator: "\n")
        }
    }

    /// Cluster and stack, idempotent: a second run finds everything in place and changes nothing.
    public func up() async throws -> UpResult {
        let start = clock.now()
        let cleanup = CleanupStack()
        do {
            let result = try await upSteps(cleanup: cleanup, start: start)
            cleanup.discard()
            return result
        } catch {
            let console = self.console
            if !cleanup.names.isEmpty {
                console.warn("`labrun up` did not finish; undoing what this run made: \(cleanup.names.reversed().joined(separator: ", "))")
            }
            let failures = await cleanup.unwind { console.info("  " + $0) }
            for failure in failures { console.warn("cleanup failed: \(failure)") }
            throw error
        }
    }

    /// Makes the selected provider's cluster run (starting or creating it when needed) and records
    /// in the state file what labrun did, so that `labrun down` undoes only that. Used by `up` and by
    /// the scenario commands, which need the cluster but deploy their own stacks.
    public func startCluster() async throws -> (provider: any ClusterProvider, outcome: CreateOutcome) {
        let (provider, reason) = try await selectProvider()
        console.info("provider: \(provider.kind) (\(reason))")
        let outcome = try await console.step("Cluster (\(provider.kind))") { () async throws -> CreateOutcome in
            let key = provider.kind.rawValue
            let target = try await provider.kubeconfig()
            let remembered = try store.load().clusters[key]
            if remembered == nil, try await !provider.status().isRunning {
                // Recorded before starting, so that `labrun down` stops a start that was interrupted.
                try store.update { state in
                    state.clusters[key] = ClusterRecord(provider: provider.kind, outcome: .started,
                                                        since: clock.wallTime(), kubeconfig: target)
                }
            }
            let outcome = try await provider.create()
            try store.update { state in
                if outcome.startedByLabrun {
                    state.clusters[key] = ClusterRecord(provider: provider.kind, outcome: outcome,
                                                        since: clock.wallTime(), kubeconfig: target)
                } else if remembered == nil {
                    state.clusters[key] = nil
                }
            }
            return outcome
        }
        if outcome.startedByLabrun {
            console.info("  the cluster was \(outcome == .created ? "created" : "started") by this run; `labrun down` stops it, `--keep-cluster` keeps it")
        }
        return (provider, outcome)
    }

    func upSteps(cleanup: CleanupStack, start: Double) async throws -> UpResult {
        // 1. Cluster.
        let (provider, outcome) = try await startCluster()
        let ownPID = getpid()

        // 2. API server.
        let kube = try await client(for: provider)
        let version = try await console.step("Kubernetes API") { () async throws -> ServerVersion in
            try await Wait.cluster.until("the Kubernetes API server to answer") { () async throws -> Poll<ServerVersion> in
                do { return .done(try await kube.serverVersion()) } catch let error as LabrunError { return .pending(error.message) }
            }
        }
        console.info("  Kubernetes \(version.gitVersion)")

        // 3. Images.
        let images = try await console.step("Images") { () async throws -> [StackComponent: String] in
            let ensureDocker = layout.path("scripts/ensure-docker.sh")
            if FileManager.default.isExecutableFile(atPath: ensureDocker) {
                try await runner.check(Command(ensureDocker, timeout: 300), what: "Making sure a Docker engine answers")
            }
            let console = self.console
            let builder = ImageBuilder(runner: runner, root: layout.root, progress: { console.info("  " + $0) })
            let plans = try await builder.plan()
            for plan in plans where plan.present { console.debug("\(plan.reference) already built") }
            let built = try await builder.ensureBuilt(plans: plans)
            console.info("  " + built.keys.sorted().compactMap { built[$0] }.joined(separator: ", "))
            return built
        }
        if let loader = provider as? any ImageLoading {
            try await console.step("Load images into \(provider.kind)") {
                try await loader.loadImages(images.keys.sorted().compactMap { images[$0] })
            }
        }

        // 4. Deploy.
        let objects = try await console.step("Deploy to namespace \(namespace)") { () async throws -> [JSONValue] in
            let generate = layout.path("kubernetes/generate-secret.sh")
            if FileManager.default.isExecutableFile(atPath: generate) {
                try await runner.check(Command(generate, timeout: 60), what: "Writing the database credentials")
            }
            let written = try await sourceObjects(provider: provider, images: images)
            let served = try await ServedAPIs.discover(for: written, client: kube)
            let renderer = ManifestRenderer(
                namespace: namespace,
                images: Dictionary(uniqueKeysWithValues: images.map { ($0.key.repository, $0.value) }),
                served: served)
            var objects = ApplyOrder.sorted(try renderer.render(written))
            objects += AccessServices.make(from: objects, namespace: namespace)
            let existed = try await namespaceState(kube) != nil
            let previous = try store.load().stacks[namespace]
            let createdNamespace = !existed || (previous?.phase == .deploying && previous?.createdNamespace == true)
            try store.update { state in
                state.stacks[namespace] = StackRecord(
                    provider: provider.kind, namespace: namespace, phase: .deploying, createdNamespace: createdNamespace,
                    images: Dictionary(uniqueKeysWithValues: images.map { ($0.key.rawValue, $0.value) }),
                    ownerPID: ownPID, since: clock.wallTime())
            }
            if createdNamespace {
                let namespace = self.namespace
                let store = self.store
                cleanup.register("delete namespace \(namespace)") { [self] in
                    try await self.deleteNamespace(kube, wait: true)
                    try store.update { $0.stacks[namespace] = nil }
                }
            }
            for object in objects {
                let kind = object["kind"]?.stringValue ?? "?"
                let name = object.value(at: "metadata.name")?.stringValue ?? "?"
                console.debug("apply \(object["apiVersion"]?.stringValue ?? "") \(kind) \(name)")
                try await kube.apply(object, namespace: namespace)
            }
            console.info("  applied \(objects.count) objects")
            return objects
        }

        // 5. Readiness, by watching.
        try await console.step("Wait for the stack to be ready") {
            let names = { (kind: String) in Set(objects.filter { $0["kind"]?.stringValue == kind }
                .compactMap { $0.value(at: "metadata.name")?.stringValue }) }
            try await ReadinessWaiter(client: kube, namespace: namespace, timeout: 300, clock: clock)
                .wait(deployments: names("Deployment"), statefulSets: names("StatefulSet"))
        }

        // 6. Access from the host.
        let endpoints = try await console.step("Reach the stack from this host") { () async throws -> StackEndpoints in
            let endpoints = try await resolveEndpoints(kube, provider: provider)
            try await checkReachable(endpoints)
            return endpoints
        }

        try store.update { state in
            state.stacks[namespace]?.phase = .ready
            state.stacks[namespace]?.frontendURL = endpoints.frontendURL
            state.stacks[namespace]?.backendURL = endpoints.backendURL
            state.stacks[namespace]?.postgresAddress = endpoints.postgresAddress
        }
        let seconds = clock.now() - start
        console.info("up in \(formatSeconds(seconds))")
        return UpResult(provider: provider.kind, clusterOutcome: outcome, images: images, endpoints: endpoints, seconds: seconds)
    }

    /// The stack's objects as written: the Helm chart rendered with `helm template` where `helm`
    /// is installed (unless `LABRUN_DEPLOY=manifests`), else the kustomization in kubernetes/.
    func sourceObjects(provider: any ClusterProvider, images: [StackComponent: String]) async throws -> [JSONValue] {
        let choice = environment["LABRUN_DEPLOY"] ?? "auto"
        let useHelm = choice == "helm" || (choice == "auto" && runner.which("helm") != nil
                                           && FileManager.default.fileExists(atPath: layout.path("helm/todo-app/Chart.yaml")))
        guard useHelm else {
            console.info("  from the manifests in kubernetes/")
            return try KustomizationLoader().load(layout.manifests)
        }
        console.info("  from the Helm chart helm/todo-app (helm template; LABRUN_DEPLOY=manifests uses kubernetes/)")
        let envFile = layout.path("kubernetes/base/secrets/todo-db.env")
        let database = Dictionary((try? String(contentsOfFile: envFile, encoding: .utf8)).map(KustomizationLoader.parseEnv) ?? [],
                                  uniquingKeysWith: { _, last in last })
        if let password = database["POSTGRES_PASSWORD"] { Redactor.shared.register(password) }
        let tags = images.mapValues { reference in String(reference.split(separator: ":").last ?? "dev") }
        return try await HelmChartRenderer(runner: runner, root: layout.root)
            .render(namespace: namespace, provider: provider.kind.rawValue, tags: tags, database: database)
    }

    /// The NodePort of each access Service on the node's address.
    func resolveEndpoints(_ kube: KubernetesClient, provider: any ClusterProvider) async throws -> StackEndpoints {
        let address: String
        if let host = provider as? any HostAccess {
            address = try await host.nodeAddress()
        } else {
            let nodes = try await kube.list(ResourceType.nodes, as: JSONValue.self).items
            let addresses = nodes.first?.value(at: "status.addresses")?.arrayValue ?? []
            guard let internalIP = addresses.first(where: { $0["type"]?.stringValue == "InternalIP" })?["address"]?.stringValue else {
                throw LabrunError(id: "NODE_ADDRESS_UNKNOWN", exitCode: ExitCode.unavailable,
                                  message: "The cluster's node has no InternalIP address, so the stack's NodePorts cannot be reached.",
                                  advice: "Use `kubectl port-forward -n \(namespace) svc/frontend 8080` instead.")
            }
            address = internalIP
        }
        func nodePort(_ component: String) async throws -> Int? {
            let service = try await kube.get(Service.self, name: AccessServices.name(for: component), namespace: namespace)
            return service.spec?.ports?.first?.nodePort
        }
        guard let frontend = try await nodePort("frontend") else {
            throw LabrunError(id: "NODEPORT_MISSING", exitCode: ExitCode.external,
                              message: "Service \(namespace)/\(AccessServices.name(for: "frontend")) has no node port.")
        }
        let host = address.contains(":") ? "[\(address)]" : address
        return StackEndpoints(
            frontendURL: "http://\(host):\(frontend)",
            backendURL: try await nodePort("backend").map { "http://\(host):\($0)" },
            postgresAddress: try await nodePort("postgres").map { "\(host):\($0)" })
    }

    /// Waits until the frontend serves the task list (so the backend and database answer through it).
    func checkReachable(_ endpoints: StackEndpoints) async throws {
        let http = try HTTPClient(configuration: HTTPClientConfiguration(timeout: 5, connectTimeout: 2))
        defer { http.shutdown() }
        let url = endpoints.frontendURL + "/api/tasks"
        _ = try await Wait(timeout: 90, interval: 0.5, clock: clock).until("\(url) to answer 200") { () async throws -> Poll<Bool> in
            do {
                let response = try await http.send(HTTPRequest(.get, url))
                return response.status == 200 ? .done(true) : .pending("HTTP \(response.status)")
            } catch let error as LabrunError {
                return .pending(error.message)
            }
        }
    }
}
