import ArgumentParser
import Foundation
import KubernetesClient
import LabrunCore

/// `labrun-bench kube`: GET latency of the Swift client against `kubectl get -o json`, and how
/// soon a watch reports a pod's deletion.
struct KubeBenchmark: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "kube",
        abstract: "Pod GET latency: Swift client vs kubectl; time from delete to the watch's DELETED event.",
        discussion: """
            Creates its own namespace (labrun-bench-…) and deletes it at the end. The pod under test is \
            created Pending and unschedulable (a nodeSelector nothing matches) unless --image names a \
            local image to run, so no image or registry is needed.
            """)

    @Option(help: "Kubeconfig to use (default: like kubectl — KUBECONFIG, then ~/.kube/config).")
    var kubeconfig: String?

    @Option(help: "Context to use (default: the current context).")
    var context: String?

    @Option(help: "GET requests per client.")
    var iterations: Int = 100

    @Option(help: "Delete-to-DELETED measurements.")
    var watchIterations: Int = 10

    @Option(help: "Run the pod with this local image (imagePullPolicy Never) instead of leaving it Pending.")
    var image: String?

    @Option(help: "The kubectl to compare with.")
    var kubectl: String = "kubectl"

    func validate() throws {
        guard iterations >= 5 else { throw ValidationError("--iterations must be at least 5.") }
        guard watchIterations >= 1 else { throw ValidationError("--watch-iterations must be at least 1.") }
    }

    func run() async throws {
        let clock = SystemClock()
        let runner = SystemProcessRunner()
        let kube = try KubernetesClient.fromKubeconfig(path: kubeconfig, context: context)
        let version = try await kube.serverVersion()
        let namespace = "labrun-bench-" + String(UUID().uuidString.lowercased().prefix(8))
        print("labrun-bench kube — server \(version.gitVersion) at \(kube.configuration.server), namespace \(namespace)")
        _ = try await kube.create(Namespace(name: namespace, labels: ["labrun.bench": "kube"]))
        do {
            try await measure(kube, namespace: namespace, clock: clock, runner: runner)
        } catch {
            await cleanUp(kube, namespace)
            throw error
        }
        await cleanUp(kube, namespace)
    }

    private func cleanUp(_ kube: KubernetesClient, _ namespace: String) async {
        do {
            try await kube.delete(Namespace.self, name: namespace, options: DeleteOptions(propagationPolicy: .background, ignoreNotFound: true))
            print("cleanup: namespace \(namespace) deleted")
        } catch {
            FileHandle.standardError.write(Data("cleanup: could not delete namespace \(namespace): \(error)\n".utf8))
        }
    }

    private func measure(_ kube: KubernetesClient, namespace: String, clock: SystemClock, runner: SystemProcessRunner) async throws {
        try await waitForServiceAccount(kube, namespace)
        let target = try await kube.create(pod("bench-target", namespace))
        if image != nil {
            try await Wait.rollout.until("pod bench-target to run") {
                try await kube.get(Pod.self, name: "bench-target", namespace: namespace).phase == "Running"
            }
        }
        let podState = image == nil ? "Pending, unschedulable by nodeSelector" : "Running, image \(image ?? "")"
        print("pod \(namespace)/\(target.name) (\(podState)); \(iterations) GETs each, after 5 warm-up GETs each\n")

        // Swift client.
        var swift = Samples()
        for index in 0..<(iterations + 5) {
            let start = clock.now()
            let pod = try await kube.get(Pod.self, name: "bench-target", namespace: namespace)
            let elapsed = clock.now() - start
            guard pod.metadata.uid == target.metadata.uid else { throw benchError("the Swift client read a different pod") }
            if index >= 5 { swift.add(elapsed) }
        }

        // kubectl get pod -o json.
        var kubectlArguments: [String] = []
        if let kubeconfig { kubectlArguments += ["--kubeconfig", kubeconfig] }
        if let context { kubectlArguments += ["--context", context] }
        let command = Command(kubectl, kubectlArguments + ["get", "pod", "bench-target", "-n", namespace, "-o", "json"], timeout: 60)
        var reference = Samples()
        for index in 0..<(iterations + 5) {
            let start = clock.now()
            let output = try await runner.check(command, what: "kubectl get pod")
            let elapsed = clock.now() - start
            guard (try? JSONValue.parse(output.standardOutput))?.value(at: "metadata.uid")?.stringValue == target.metadata.uid else {
                throw benchError("kubectl printed something other than the pod")
            }
            if index >= 5 { reference.add(elapsed) }
        }

        print("GET one pod                    median       p90")
        print(pad("Swift KubernetesClient", 26) + pad(milliseconds(swift.median), 11, right: true) + pad(milliseconds(swift.p90), 10, right: true))
        print(pad("kubectl get pod -o json", 26) + pad(milliseconds(reference.median), 11, right: true) + pad(milliseconds(reference.p90), 10, right: true))
        print(String(format: "ratio kubectl / Swift: %.1f× (median), %.1f× (p90)\n", reference.median / swift.median, reference.p90 / swift.p90))

        // Delete → DELETED on a watch.
        var sinceSent = Samples()
        var sinceReturned = Samples()
        for index in 0..<watchIterations {
            let name = "watched-\(index)"
            let created = try await kube.create(pod(name, namespace))
            // Watch from the creation's version: no event can be missed and no list is needed.
            let watch = kube.watch(Pod.self, namespace: namespace, options: WatchOptions(
                fieldSelector: "metadata.name=\(name)", resourceVersion: created.metadata.resourceVersion, includeExisting: false))
            let (deletedAt, sent, returned) = try await withThrowingTaskGroup(of: Double?.self) { group -> (Double, Double, Double) in
                let ready = AsyncStream<Void>.makeStream()
                group.addTask {
                    var iterator = watch.makeAsyncIterator()
                    ready.continuation.yield()
                    while let event = try await iterator.next() {
                        if event.type == .deleted { return clock.now() }
                    }
                    return nil
                }
                group.addTask {
                    try await Task.sleep(nanoseconds: 30_000_000_000)
                    return nil
                }
                var readyIterator = ready.stream.makeAsyncIterator()
                _ = await readyIterator.next()
                // Let the watch request reach the server before deleting.
                try await Task.sleep(nanoseconds: 200_000_000)
                let sent = clock.now()
                try await kube.delete(Pod.self, name: name, namespace: namespace, options: DeleteOptions(gracePeriodSeconds: 0))
                let returned = clock.now()
                defer { group.cancelAll() }
                guard let first = try await group.next(), let seen = first else {
                    throw benchError("the watch did not report the deletion of \(name) within 30s")
                }
                return (seen, sent, returned)
            }
            sinceSent.add(deletedAt - sent)
            sinceReturned.add(deletedAt - returned)
        }
        print("watch: DELETED event after delete (n=\(watchIterations))   median       p90")
        print(pad("from sending the DELETE", 40) + pad(milliseconds(sinceSent.median), 11, right: true) + pad(milliseconds(sinceSent.p90), 10, right: true))
        print(pad("from the DELETE's response", 40) + pad(milliseconds(sinceReturned.median), 11, right: true) + pad(milliseconds(sinceReturned.p90), 10, right: true))
    }

    private func pod(_ name: String, _ namespace: String) -> Pod {
        var container = Container(name: "main", image: image ?? "labrun/none:never", imagePullPolicy: "Never")
        if image != nil {
            container.command = ["/bin/sh", "-c", "sleep 3600"]
            container.securityContext = ["runAsUser": 10001, "runAsNonRoot": true]
        }
        var spec = PodSpec(containers: [container], terminationGracePeriodSeconds: 0)
        if image == nil { spec.nodeSelector = ["labrun.bench/no-such-node": "true"] }
        return Pod(metadata: ObjectMeta(name: name, namespace: namespace, labels: ["labrun.bench": "kube"]), spec: spec)
    }

    /// Pods can be created once the namespace's default service account has its token (1.20).
    private func waitForServiceAccount(_ kube: KubernetesClient, _ namespace: String) async throws {
        _ = try await Wait.quick.with(timeout: 30).until("service account default in \(namespace) to get its token") { () -> Poll<Bool> in
            do {
                let account = try await kube.get(.serviceAccounts, name: "default", namespace: namespace)
                return account["secrets"]?.arrayValue?.isEmpty == false ? .done(true) : .pending("no token yet")
            } catch let error as LabrunError where error.isNotFound {
                return .pending("no service account yet")
            }
        }
    }

    private func benchError(_ message: String) -> LabrunError {
        LabrunError(id: ErrorID.benchFailed, exitCode: ExitCode.failure, message: "Benchmark failed: \(message).")
    }
}
