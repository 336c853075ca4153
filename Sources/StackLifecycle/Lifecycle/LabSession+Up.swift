import ClusterProviders
import Foundation
import HTTPClient
import KubernetesClient
import LabrunCore
import StackModel

extension LabSession {
    /// What `up` brought up, and how to reach it.
    public struct UpResult: Sendable {
        public var provider: ProviderKind
        public var clusterOutcome: CreateOutcome
        /// Image repository → reference deployed.
        public var images: [String: String]
        public var endpoints: StackEndpoints
        public var seconds: Double
        /// The lines `labrun up` prints on standard output.
        public var summary: String
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
            // The existing provider never starts anything: nothing of its to record.
            var preRecorded = false
            if provider.kind != .existing, remembered == nil { preRecorded = try await !provider.status().isRunning }
            if preRecorded {
                // Recorded before starting, so that `labrun down` stops a start that was interrupted.
                try store.update { state in
                    state.clusters[key] = ClusterRecord(provider: provider.kind, outcome: .started,
                                                        since: clock.wallTime(), kubeconfig: target)
                }
            }
            let outcome: CreateOutcome
            do {
                outcome = try await provider.create()
            } catch let error as LabrunError where preRecorded {
                // A start that failed (not one interrupted) leaves the record only when it left a cluster
                // behind: the state file holds what labrun really started.
                let after = try? await provider.status()
                if after.map({ $0.phase == .absent || $0.phase == .stopped }) ?? true {
                    try store.update { $0.clusters[key] = nil }
                }
                throw error
            }
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

    /// The Namespace object without labrun's managed-by label (other objects unchanged).
    static func withoutOwnership(_ object: JSONValue) -> JSONValue {
        guard object["kind"]?.stringValue == "Namespace", var metadata = object["metadata"],
              case .object(var labels)? = metadata["labels"] else { return object }
        labels[ManifestRenderer.managedByLabel] = nil
        metadata["labels"] = .object(labels)
        var out = object
        out["metadata"] = metadata
        return out
    }

    func upSteps(cleanup: CleanupStack, start: Double) async throws -> UpResult {
        let stack = options.stack
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
        let console = self.console
        let deployer = StackDeployer(stack: stack, provider: provider, kube: kube, kubeconfig: try await provider.kubeconfig(),
                                     runner: runner, layout: layout, clock: clock, registry: options.registry,
                                     progress: { console.info("  " + $0) })

        // 3. Images.
        let images = try await console.step("Images of stack \(stack.name)") { () async throws -> [String: String] in
            try await deployer.ensureImages()
        }

        // 4. Deploy.
        let objects = try await console.step("Deploy to namespace \(namespace)") { () async throws -> [JSONValue] in
            var objects = try await deployer.objects(namespace: namespace, images: images, forScenario: false)
            let labruns = try await namespaceIsLabruns(kube)
            let existed = labruns != nil
            let previous = try store.load().stacks[namespace]
            let createdNamespace = !existed || (previous?.phase == .deploying && previous?.createdNamespace == true)
            if existed, labruns == false, !createdNamespace, previous?.createdNamespace != true {
                // A namespace someone else made stays theirs: labrun's label would let `labrun down` delete it.
                objects = objects.map(Self.withoutOwnership)
            }
            try store.update { state in
                state.stacks[namespace] = StackRecord(
                    provider: provider.kind, namespace: namespace, phase: .deploying, createdNamespace: createdNamespace,
                    images: images, stackFile: stack.file, ownerPID: ownPID, since: clock.wallTime())
            }
            if createdNamespace {
                let namespace = self.namespace
                let store = self.store
                cleanup.register("delete namespace \(namespace)") { [self] in
                    try await self.deleteNamespace(kube, wait: true)
                    try store.update { $0.stacks[namespace] = nil }
                }
            }
            // The namespace first: the image check's probe pod runs in it, before the stack is applied.
            let namespaces = objects.filter { $0["kind"]?.stringValue == "Namespace" }
            try await deployer.apply(namespaces, namespace: namespace) { console.debug($0) }
            try await deployer.ensureVisible(images, namespace: namespace)
            try await deployer.apply(objects.filter { $0["kind"]?.stringValue != "Namespace" }, namespace: namespace) { console.debug($0) }
            console.info("  applied \(objects.count) objects")
            return objects
        }

        // 5. Readiness, by watching.
        try await console.step("Wait for the stack to be ready") {
            try await deployer.waitReady(objects, namespace: namespace)
        }

        // 6. Access from the host: NodePorts outlive this command; a tunnel or port-forward only proves
        // the stack serves, and the summary prints the commands that reopen it.
        let forwards = CleanupStack()
        let endpoints: StackEndpoints
        do {
            endpoints = try await console.step("Reach the stack from this host") { () async throws -> StackEndpoints in
                let endpoints = try await deployer.reach(namespace: namespace, forwards: forwards, access: options.access)
                try await deployer.waitServing(endpoints)
                return endpoints
            }
        } catch {
            _ = await forwards.unwind()
            throw error
        }
        _ = await forwards.unwind()

        try store.update { state in
            state.stacks[namespace]?.phase = .ready
            // Only what outlives this command (node ports); the database is reached through a port-forward.
            state.stacks[namespace]?.endpoints = endpoints.shown(for: stack).filter { endpoints.reopen[$0.key] == nil }
        }
        let seconds = clock.now() - start
        console.info("up in \(formatSeconds(seconds))")
        return UpResult(provider: provider.kind, clusterOutcome: outcome, images: images, endpoints: endpoints,
                        seconds: seconds, summary: endpoints.summary(for: stack))
    }
}
