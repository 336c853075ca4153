import Foundation
import KubernetesClient
import LabrunCore
import Testing

@Suite("KubernetesClient against a real kube-apiserver", .serialized,
       .enabled("no Kubernetes API server answers (see the message above)") { await KubernetesTestCluster.shouldRun() })
struct KubernetesIntegrationTests {
    @Test(.timeLimit(.minutes(1)))
    func discoveryMatchesKubectl() async throws {
        let kube = try KubernetesTestCluster.client()
        let version = try await kube.serverVersion()
        #expect(version.gitVersion.hasPrefix("v1."))
        #expect(try await kube.serves("v1"))
        #expect(try await kube.serves("apps/v1"))
        #expect(try await !kube.serves("nonexistent.example.com/v1"))
        // Compare with kubectl's view of the same server.
        let output = try await SystemProcessRunner().check(Command("kubectl", ["--kubeconfig", KubernetesTestCluster.kubeconfigPath, "api-versions"], timeout: 30))
        let kubectlVersions = Set(output.standardOutput.split(separator: "\n").map(String.init))
        for candidate in ["autoscaling/v2", "autoscaling/v2beta2", "policy/v1", "policy/v1beta1", "networking.k8s.io/v1"] {
            #expect(try await kube.serves(candidate) == kubectlVersions.contains(candidate), "\(candidate)")
        }
        let hpa = try await kube.firstServed(["autoscaling/v2", "autoscaling/v2beta2", "autoscaling/v1"])
        #expect(hpa != nil)
        let type = try await kube.resourceType(apiVersion: hpa ?? "autoscaling/v1", kind: "HorizontalPodAutoscaler")
        #expect(type.plural == "horizontalpodautoscalers" && type.namespaced)
    }

    @Test(.timeLimit(.minutes(1)))
    func namespacesAndStatusErrors() async throws {
        let kube = try KubernetesTestCluster.client()
        try await KubernetesTestCluster.withNamespace(kube) { ns in
            let fetched = try await kube.get(Namespace.self, name: ns)
            #expect(fetched.status?.phase == "Active")
            do {
                _ = try await kube.create(Namespace(name: ns))
                Issue.record("expected AlreadyExists")
            } catch let error as LabrunError {
                #expect(error.isAlreadyExists)
                #expect(error.message.hasPrefix("Could not create Namespace \(ns): the API server answered AlreadyExists (HTTP 409)"))
            }
            do {
                _ = try await kube.get(Pod.self, name: "missing-pod", namespace: ns)
                Issue.record("expected NotFound")
            } catch let error as LabrunError {
                #expect(error.isNotFound)
                #expect(error.message == "Could not get Pod \(ns)/missing-pod: the API server answered NotFound (HTTP 404): pods \"missing-pod\" not found.")
            }
        }
    }

    @Test(.timeLimit(.minutes(2)))
    func podCreateListPatchReplaceDelete() async throws {
        let kube = try KubernetesTestCluster.client()
        try await KubernetesTestCluster.withNamespace(kube) { ns in
            let spec = PodSpec(containers: [Container(name: "main", image: "labrun/none:never", imagePullPolicy: "Never")],
                               nodeSelector: ["labrun.test/no-such-node": "true"], terminationGracePeriodSeconds: 0)
            let created = try await kube.create(Pod(metadata: ObjectMeta(name: "pending", namespace: ns, labels: ["app": "client-test", "tier": "a"]), spec: spec))
            #expect(created.metadata.uid != nil)
            let pod = try await kube.get(Pod.self, name: "pending", namespace: ns)
            #expect(pod.spec?.nodeSelector?["labrun.test/no-such-node"] == "true")
            #expect(pod.phase == "Pending")

            #expect(try await kube.list(Pod.self, namespace: ns, options: ListOptions(labelSelector: "app=client-test,tier in (a,b)")).items.count == 1)
            #expect(try await kube.list(Pod.self, namespace: ns, options: ListOptions(labelSelector: "app=other")).items.isEmpty)
            #expect(try await kube.list(Pod.self, namespace: ns, options: ListOptions(fieldSelector: "metadata.name=pending")).items.count == 1)
            #expect(try await kube.list(Pod.self, namespace: ns, options: ListOptions(fieldSelector: "status.phase=Running")).items.isEmpty)
            let all = try await kube.list(Pod.self, options: ListOptions(labelSelector: "app=client-test"))   // all namespaces
            #expect(all.items.contains { $0.metadata.namespace == ns })

            let merged = try await kube.patch(Pod.self, name: "pending", namespace: ns, .merge(["metadata": ["labels": ["patched": "merge"]]]))
            #expect(merged.metadata.labels?["patched"] == "merge")
            let jsonPatched = try await kube.patch(Pod.self, name: "pending", namespace: ns,
                                                   .json([.add("/metadata/annotations", ["labrun/note": "json-patch"])]))
            #expect(jsonPatched.metadata.annotations?["labrun/note"] == "json-patch")
            let strategic = try await kube.patch(Pod.self, name: "pending", namespace: ns, .strategicMerge(["metadata": ["labels": ["tier": "b"]]]))
            #expect(strategic.metadata.labels?["tier"] == "b")

            // A replace with a stale resourceVersion is a Conflict.
            var stale = pod
            stale.metadata.labels?["stale"] = "yes"
            do {
                _ = try await kube.replace(stale)
                Issue.record("expected Conflict")
            } catch let error as LabrunError {
                #expect(error.isConflict)
                #expect(error.message.contains("replace Pod \(ns)/pending"))
            }

            try await kube.delete(Pod.self, name: "pending", namespace: ns,
                                  options: DeleteOptions(gracePeriodSeconds: 0, propagationPolicy: .background))
            try await Wait.quick.until("pod pending to be gone") {
                do { _ = try await kube.get(Pod.self, name: "pending", namespace: ns); return false } catch let e as LabrunError where e.isNotFound { return true }
            }
            try await kube.delete(Pod.self, name: "pending", namespace: ns, options: DeleteOptions(ignoreNotFound: true))
        }
    }

    @Test(.timeLimit(.minutes(2)))
    func serverSideApplyOfMultiDocumentYAML() async throws {
        let kube = try KubernetesTestCluster.client()
        try await KubernetesTestCluster.withNamespace(kube) { ns in
            func manifests(_ level: String, replicas: Int) -> String {
                """
                apiVersion: v1
                kind: ConfigMap
                metadata:
                  name: settings
                data:
                  LOG_LEVEL: "\(level)"
                ---
                apiVersion: v1
                kind: Service
                metadata:
                  name: web
                  labels: {app.kubernetes.io/name: client-test}
                spec:
                  selector: {app: web}
                  ports:
                  - {name: http, port: 80, targetPort: http}
                ---
                apiVersion: apps/v1
                kind: Deployment
                metadata:
                  name: web
                spec:
                  replicas: \(replicas)
                  selector: {matchLabels: {app: web}}
                  template:
                    metadata: {labels: {app: web}}
                    spec:
                      containers:
                      - name: web
                        image: labrun/none:never
                        imagePullPolicy: Never
                        ports: [{name: http, containerPort: 8080}]
                """
            }
            let first = try await kube.apply(manifests: manifests("info", replicas: 0), namespace: ns)
            #expect(first.count == 3)
            #expect(first[0].value(at: "metadata.namespace")?.stringValue == ns)
            let config = try await kube.get(.configMaps, name: "settings", namespace: ns)
            #expect(config.value(at: "data.LOG_LEVEL")?.stringValue == "info")
            let managers = config.value(at: "metadata.managedFields")?.arrayValue?.compactMap { $0["manager"]?.stringValue } ?? []
            #expect(managers.contains("labrun"))
            let service = try await kube.get(Service.self, name: "web", namespace: ns)
            #expect(service.spec?.ports?.first?.targetPort == .string("http"))

            _ = try await kube.apply(manifests: manifests("debug", replicas: 0), namespace: ns)
            #expect(try await kube.get(.configMaps, name: "settings", namespace: ns).value(at: "data.LOG_LEVEL")?.stringValue == "debug")
            let deployment = try await kube.get(Deployment.self, name: "web", namespace: ns)
            #expect(deployment.spec?.replicas == 0)
            #expect(deployment.spec?.template?.spec?.containers.first?.ports?.first?.containerPort == 8080)

            // An invalid object is refused with the field named.
            do {
                try await kube.apply(["apiVersion": "apps/v1", "kind": "Deployment", "metadata": ["name": "web"], "spec": ["replicas": -1]], namespace: ns)
                Issue.record("expected Invalid")
            } catch let error as LabrunError {
                #expect(error.isInvalid)
                #expect(error.message.contains("spec.replicas"))
            }
            for object in first { try await kube.delete(object: object, options: DeleteOptions(ignoreNotFound: true)) }
            #expect(try await kube.list(.configMaps, namespace: ns, options: ListOptions(fieldSelector: "metadata.name=settings")).items.isEmpty)
        }
    }

    @Test(.timeLimit(.minutes(2)))
    func watchDeliversTypedEventsAndResumes() async throws {
        let kube = try KubernetesTestCluster.client()
        try await KubernetesTestCluster.withNamespace(kube) { ns in
            let watch = kube.watch(.configMaps, namespace: ns, options: WatchOptions(fieldSelector: "metadata.name=watched", includeExisting: true))
            async let seen = KubernetesTestCluster.events(watch, count: 3, within: 30)
            // Give the watch a moment to be established, then change the object three times.
            try await Task.sleep(nanoseconds: 300_000_000)
            try await kube.create(.configMaps, ["metadata": ["name": "watched"], "data": ["v": "1"]], namespace: ns)
            try await kube.patch(.configMaps, name: "watched", namespace: ns, .merge(["data": ["v": "2"]]))
            try await kube.delete(.configMaps, name: "watched", namespace: ns)
            let events = try await seen
            #expect(events.map(\.type) == [.added, .modified, .deleted])
            #expect(events[1].object.value(at: "data.v")?.stringValue == "2")

            // Resuming from the first event's version replays what came after it.
            let resumed = kube.watch(.configMaps, namespace: ns, options: WatchOptions(fieldSelector: "metadata.name=watched",
                                                                                      resourceVersion: events[0].resourceVersion))
            let replay = try await KubernetesTestCluster.events(resumed, count: 2, within: 30)
            #expect(replay.map(\.type) == [.modified, .deleted])

            // A typed watch on pods.
            let pods = kube.watch(Pod.self, namespace: ns, options: WatchOptions(includeExisting: false))
            async let podEvents = KubernetesTestCluster.events(pods, count: 2, within: 30)
            try await Task.sleep(nanoseconds: 300_000_000)
            _ = try await kube.create(Pod(metadata: ObjectMeta(name: "p", namespace: ns), spec: PodSpec(
                containers: [Container(name: "c", image: "labrun/none:never", imagePullPolicy: "Never")],
                nodeSelector: ["labrun.test/no-such-node": "true"])))
            try await kube.delete(Pod.self, name: "p", namespace: ns, options: DeleteOptions(gracePeriodSeconds: 0))
            let typed = try await podEvents
            #expect(typed.first?.type == .added)
            #expect(typed.first?.object.name == "p")
            #expect(typed.last?.type == .deleted || typed.last?.type == .modified)
        }
    }

    @Test(.timeLimit(.minutes(2)))
    func watchFromAnExpiredVersionRelists() async throws {
        let kube = try KubernetesTestCluster.client()
        try await KubernetesTestCluster.withNamespace(kube) { ns in
            try await kube.create(.configMaps, ["metadata": ["name": "old"], "data": ["v": "1"]], namespace: ns)
            // resourceVersion "1" is long compacted away: the server answers 410 Gone/Expired and the watch relists.
            let watch = kube.watch(.configMaps, namespace: ns, options: WatchOptions(fieldSelector: "metadata.name=old", resourceVersion: "1"))
            let events = try await KubernetesTestCluster.events(watch, count: 1, within: 30)
            #expect(events.first?.type == .added)
            #expect(events.first?.object.value(at: "metadata.name")?.stringValue == "old")
        }
    }

    @Test(.timeLimit(.minutes(3)))
    func readsTheLogOfARunningPod() async throws {
        guard let image = await KubernetesTestCluster.runnableImage() else {
            // Not a pass: say why nothing was checked.
            FileHandle.standardError.write(Data("readsTheLogOfARunningPod: no runnable local image (labrun/bare-smoke or LABRUN_TEST_IMAGE); log reading not checked\n".utf8))
            if KubernetesTestCluster.required { Issue.record("no runnable image for the pod-log test") }
            return
        }
        let kube = try KubernetesTestCluster.client()
        try await KubernetesTestCluster.withNamespace(kube) { ns in
            var container = Container(name: "echo", image: image, command: ["/bin/sh", "-c", "echo hello-from-labrun; echo second line; sleep 3600"],
                                      imagePullPolicy: "Never")
            container.securityContext = ["runAsUser": 10001, "runAsNonRoot": true]
            _ = try await kube.create(Pod(metadata: ObjectMeta(name: "echo", namespace: ns),
                                          spec: PodSpec(containers: [container], restartPolicy: "Never", terminationGracePeriodSeconds: 0)))
            let running = kube.watch(Pod.self, namespace: ns, options: WatchOptions(fieldSelector: "metadata.name=echo"))
            _ = try await KubernetesTestCluster.events(running, count: 1000, within: 90) { $0.object.phase == "Running" }
            let log = try await Wait.quick.until("the log of pod echo to have 2 lines") { () -> Poll<String> in
                let text = try await kube.podLogs(name: "echo", namespace: ns, options: LogOptions(container: "echo"))
                return text.contains("second line") ? .done(text) : .pending(text)
            }
            #expect(log == "hello-from-labrun\nsecond line\n")
            let tail = try await kube.podLogs(name: "echo", namespace: ns, options: LogOptions(tailLines: 1))
            #expect(tail == "second line\n")
            try await kube.delete(Pod.self, name: "echo", namespace: ns, options: DeleteOptions(gracePeriodSeconds: 0))
        }
    }

    @Test(.timeLimit(.minutes(1)))
    func tlsVerificationCannotBeSkipped() async throws {
        let kube = try KubernetesTestCluster.client()
        // The right server, but trusting only the system's CAs: the cluster's own CA is not among them.
        var configuration = kube.configuration
        configuration.tls.certificateAuthority = .file("/etc/ssl/certs/ca-certificates.crt")
        let untrusting = try KubernetesClient(configuration: configuration)
        do {
            _ = try await untrusting.serverVersion()
            Issue.record("expected a TLS failure")
        } catch let error as LabrunError {
            #expect(error.id == "HTTP_TLS")
            #expect(error.advice?.contains("Verification is always on") == true)
        }
        // And the server refuses a client without credentials.
        var anonymous = kube.configuration
        anonymous.tls.clientCertificate = nil
        anonymous.tls.clientKey = nil
        anonymous.bearerToken = nil
        do {
            _ = try await KubernetesClient(configuration: anonymous).list(Pod.self, namespace: "kube-system")
            Issue.record("expected a refusal")
        } catch let error as LabrunError {
            #expect(error.isForbidden || error.isUnauthorized)
        }
    }
}
