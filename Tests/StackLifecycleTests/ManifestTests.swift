import Foundation
import HTTPClient
import LabrunCore
import LabrunTestSupport
import StackLifecycle
import Testing

/// Rendering with the real kustomize (installed by scripts/install-kustomize.sh; without it the
/// tests say so and are skipped, or fail under LABRUN_REQUIRE_INTEGRATION=1).
@Suite struct KustomizeRendererTests {
    /// Run when kustomize is installed, and always under LABRUN_REQUIRE_INTEGRATION=1 (where its
    /// absence then fails the test); otherwise shown as skipped, never as passed.
    static var canRender: Bool {
        SystemProcessRunner().which("kustomize") != nil || ProcessInfo.processInfo.environment["LABRUN_REQUIRE_INTEGRATION"] == "1"
    }
    static let skipReason: Comment = "kustomize is not installed (scripts/install-kustomize.sh)"

    func scratch() throws -> ScratchRepo {
        let repo = try ScratchRepo()
        try repo.write("kubernetes/kustomization.yaml", "resources:\n  - base\npatches:\n  - path: replicas.yaml\n")
        try repo.write("kubernetes/replicas.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: backend-config\n  namespace: todo\ndata:\n  EXTRA: patched\n")
        try repo.write("kubernetes/base/kustomization.yaml", """
            apiVersion: kustomize.config.k8s.io/v1beta1
            kind: Kustomization
            namespace: todo
            resources:
              - app.yaml
            secretGenerator:
              - name: todo-db
                envs:
                  - secrets/todo-db.env
                options:
                  disableNameSuffixHash: true
            """)
        try repo.write("kubernetes/base/app.yaml", """
            apiVersion: v1
            kind: ConfigMap
            metadata:
              name: backend-config
            data:
              PGPORT: "5432"
            """)
        try repo.write("kubernetes/base/secrets/todo-db.env", "POSTGRES_USER=todo\nPOSTGRES_PASSWORD=s3cret-value-123\n")
        return repo
    }

    @Test(.enabled(if: KustomizeRendererTests.canRender, KustomizeRendererTests.skipReason))
    func rendersPatchesAndGeneratorsAndMasksTheSecret() async throws {
        let repo = try scratch()
        let objects = try await KustomizeRenderer(runner: SystemProcessRunner()).render(repo.root + "/kubernetes")
        let config = try #require(objects.first { $0["kind"]?.stringValue == "ConfigMap" })
        #expect(config.value(at: "data.EXTRA") == .string("patched"), "a patch, which the old hand-written loader refused")
        #expect(config.value(at: "metadata.namespace") == .string("todo"))
        let secret = try #require(objects.first { $0["kind"]?.stringValue == "Secret" })
        let encoded = Data("s3cret-value-123".utf8).base64EncodedString()
        #expect(secret.value(at: "data.POSTGRES_PASSWORD") == .string(encoded))
        // The password is masked wherever it appears, plain or base64; the user name is not a secret.
        #expect(Redactor.shared.redact("pw s3cret-value-123 \(encoded) user todo") == "pw \(Redactor.mask) \(Redactor.mask) user todo")
    }

    @Test(.enabled(if: KustomizeRendererTests.canRender, KustomizeRendererTests.skipReason))
    func kustomizesOwnErrorsAreReportedWithTheCommand() async throws {
        let repo = try scratch()
        try FileManager.default.removeItem(atPath: repo.root + "/kubernetes/base/secrets/todo-db.env")
        do {
            _ = try await KustomizeRenderer(runner: SystemProcessRunner()).render(repo.root + "/kubernetes")
            Issue.record("a missing env file was accepted")
        } catch let error as LabrunError {
            #expect(error.message.contains("kustomize build"))
        }
    }

    @Test func withoutKustomizeOrKubectlTheErrorSaysHowToGetIt() async throws {
        let repo = try scratch()
        let none = RecordingHelm(output: "")
        do {
            _ = try await KustomizeRenderer(runner: NoTools(base: none)).render(repo.root + "/kubernetes")
            Issue.record("rendered without kustomize")
        } catch let error as LabrunError {
            #expect(error.id == ErrorID.kustomizeMissing)
            #expect(error.advice?.contains("install-kustomize.sh") == true)
        }
        #expect(KustomizeRenderer(runner: NoTools(base: none, kubectl: true)).command("/d")?.description == "kubectl kustomize /d")
    }

    /// The project's own manifests render (with a throw-away credentials file when none exists).
    @Test(.enabled(if: KustomizeRendererTests.canRender, KustomizeRendererTests.skipReason))
    func theProjectsManifestsRender() async throws {
        let here = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path
        let repo = try ScratchRepo()
        try TestManifests.copy(here + "/kubernetes", to: repo.root + "/kubernetes")
        let objects = try await KustomizeRenderer(runner: SystemProcessRunner()).render(repo.root + "/kubernetes")
        let kinds = Set(objects.compactMap { $0["kind"]?.stringValue })
        #expect(kinds.isSuperset(of: ["Namespace", "Deployment", "StatefulSet", "Service", "Secret"]))
        let names = Set(objects.compactMap { $0.value(at: "metadata.name")?.stringValue })
        #expect(names.isSuperset(of: ["backend", "frontend", "postgres", "todo-db", "todo-auth"]))
    }
}

/// A runner that finds no tool on PATH (optionally only kubectl).
struct NoTools: ProcessRunner {
    let base: any ProcessRunner
    var kubectl = false
    func run(_ command: Command) async throws -> ProcessOutput { try await base.run(command) }
    func start(_ command: Command, logPath: String?) async throws -> any BackgroundProcess { try await base.start(command, logPath: logPath) }
    func which(_ name: String) -> String? { kubectl && name == "kubectl" ? "/usr/bin/kubectl" : nil }
}

@Suite struct ManifestRendererTests {
    let deployment: JSONValue = [
        "apiVersion": "apps/v1", "kind": "Deployment",
        "metadata": ["name": "backend", "namespace": "todo", "labels": ["app.kubernetes.io/name": "todo"]],
        "spec": ["template": ["spec": [
            "initContainers": [["name": "wait", "image": "labrun/todo-backend:dev"]],
            "containers": [["name": "backend", "image": "labrun/todo-backend:dev"],
                           ["name": "sidecar", "image": "busybox:1.36"]],
        ]]],
    ]
    let hpa: JSONValue = ["apiVersion": "autoscaling/v2", "kind": "HorizontalPodAutoscaler", "metadata": ["name": "backend"]]
    let pdb: JSONValue = ["apiVersion": "policy/v1", "kind": "PodDisruptionBudget", "metadata": ["name": "backend"]]
    let namespace: JSONValue = ["apiVersion": "v1", "kind": "Namespace", "metadata": ["name": "todo"]]

    static let kubernetes120 = ServedAPIs([
        "v1": ["Namespace", "Service", "Secret", "ConfigMap"], "apps/v1": ["Deployment", "StatefulSet"],
        "autoscaling/v1": ["HorizontalPodAutoscaler"], "autoscaling/v2beta1": ["HorizontalPodAutoscaler"],
        "autoscaling/v2beta2": ["HorizontalPodAutoscaler"], "policy/v1beta1": ["PodDisruptionBudget", "PodSecurityPolicy"],
    ])
    static let kubernetes130 = ServedAPIs([
        "v1": ["Namespace", "Service"], "apps/v1": ["Deployment"],
        "autoscaling/v1": ["HorizontalPodAutoscaler"], "autoscaling/v2": ["HorizontalPodAutoscaler"],
        "policy/v1": ["PodDisruptionBudget"],
    ])

    @Test func movesEverythingIntoTheChosenNamespace() throws {
        let out = try ManifestRenderer(namespace: "lab-7", images: [:], served: nil).render([namespace, deployment])
        #expect(out[0].value(at: "metadata.name") == .string("lab-7"))
        #expect(out[0].value(at: "metadata.namespace") == nil)
        #expect(out[1].value(at: "metadata.namespace") == .string("lab-7"))
    }

    @Test func replacesOnlyTheStacksImages() throws {
        let out = try ManifestRenderer(namespace: "todo", images: ["labrun/todo-backend": "labrun/todo-backend:0123456789ab"],
                                       served: nil).render([deployment])[0]
        #expect(out.value(at: "spec.template.spec.containers.0.image") == .string("labrun/todo-backend:0123456789ab"))
        #expect(out.value(at: "spec.template.spec.initContainers.0.image") == .string("labrun/todo-backend:0123456789ab"))
        #expect(out.value(at: "spec.template.spec.containers.1.image") == .string("busybox:1.36"))
        #expect(out["metadata"]?["labels"]?["app.kubernetes.io/managed-by"] == .string("labrun"))
        #expect(out["metadata"]?["labels"]?["app.kubernetes.io/name"] == .string("todo"))
    }

    @Test func repositoryOfAReference() {
        #expect(ManifestRenderer.repository(of: "labrun/todo-backend:dev") == "labrun/todo-backend")
        #expect(ManifestRenderer.repository(of: "localhost:5000/todo") == "localhost:5000/todo")
        #expect(ManifestRenderer.repository(of: "nginx@sha256:abc") == "nginx")
    }

    @Test func choosesAPIVersionsFromDiscovery() throws {
        let old = try ManifestRenderer(namespace: "todo", images: [:], served: Self.kubernetes120).render([hpa, pdb, deployment])
        #expect(old.map { $0["apiVersion"]?.stringValue } == ["autoscaling/v2beta2", "policy/v1beta1", "apps/v1"])
        let new = try ManifestRenderer(namespace: "todo", images: [:], served: Self.kubernetes130).render([hpa, pdb])
        #expect(new.map { $0["apiVersion"]?.stringValue } == ["autoscaling/v2", "policy/v1"])
    }

    @Test func anUnservedKindIsAnErrorThatSaysWhatIsServed() {
        let served = ServedAPIs(["autoscaling/v1": ["HorizontalPodAutoscaler"]])
        do {
            _ = try ManifestRenderer(namespace: "todo", images: [:], served: served).render([hpa])
            Issue.record("expected API_VERSION_UNSERVED")
        } catch let error as LabrunError {
            #expect(error.id == "API_VERSION_UNSERVED")
            #expect(error.message.contains("autoscaling/v1, whose schema differs"))
        } catch { Issue.record("unexpected \(error)") }
    }

    @Test func applyOrderPutsDependenciesFirst() {
        let objects: [JSONValue] = [hpa, deployment, ["kind": "Service"], namespace, ["kind": "Secret"], ["kind": "Widget"]]
        #expect(ApplyOrder.sorted(objects).map { $0["kind"]?.stringValue ?? "" }
                == ["Namespace", "Secret", "Service", "Deployment", "HorizontalPodAutoscaler", "Widget"])
    }

    @Test func accessServicesTwinTheStacksServicesAsNodePorts() {
        let service: JSONValue = [
            "apiVersion": "v1", "kind": "Service",
            "metadata": ["name": "frontend", "labels": ["app.kubernetes.io/component": "frontend"]],
            "spec": ["type": "ClusterIP", "selector": ["app.kubernetes.io/component": "frontend"],
                     "ports": [["name": "http", "port": 8080, "targetPort": "http", "protocol": "TCP"]]],
        ]
        let other: JSONValue = ["apiVersion": "v1", "kind": "Service", "metadata": ["name": "postgres-headless"],
                                "spec": ["selector": ["a": "b"], "ports": []]]
        let access = AccessServices.make(from: [service, other, deployment], services: ["frontend", "backend"], namespace: "todo")
        #expect(access.count == 1)
        #expect(access[0].value(at: "metadata.name") == .string("labrun-frontend"))
        #expect(access[0].value(at: "metadata.namespace") == .string("todo"))
        #expect(access[0].value(at: "spec.type") == .string("NodePort"))
        #expect(access[0].value(at: "spec.ports.0.port") == .number(8080))
        #expect(access[0].value(at: "spec.ports.0.nodePort") == nil)
        #expect(access[0].value(at: "spec.selector") == service.value(at: "spec.selector"))
        #expect(access[0].value(at: "spec.sessionAffinity") == nil)
    }

    @Test func accessServicesKeepTheServicesSessionAffinity() {
        let sticky: JSONValue = [
            "apiVersion": "v1", "kind": "Service", "metadata": ["name": "backend"],
            "spec": ["selector": ["app.kubernetes.io/component": "backend"], "ports": [["port": 8000]],
                     "sessionAffinity": "ClientIP", "sessionAffinityConfig": ["clientIP": ["timeoutSeconds": 600]]],
        ]
        let access = AccessServices.make(from: [sticky], services: ["backend"], namespace: "todo")
        #expect(access.first?.value(at: "spec.sessionAffinity") == .string("ClientIP"))
        #expect(access.first?.value(at: "spec.sessionAffinityConfig.clientIP.timeoutSeconds") == .number(600))
    }

    @Test func namespaceNamesAreValidated() {
        #expect(LabOptions.isValidNamespace("todo"))
        #expect(LabOptions.isValidNamespace("lab-2"))
        #expect(!LabOptions.isValidNamespace("Todo"))
        #expect(!LabOptions.isValidNamespace("-x"))
        #expect(!LabOptions.isValidNamespace(""))
        #expect(!LabOptions.isValidNamespace(String(repeating: "a", count: 64)))
    }
}

@Suite struct PortForwarderTests {
    @Test func commandLineBindsLoopbackOnly() {
        let forwarder = PortForwarder(runner: FakeDocker(), kubeconfig: .init(path: "/k", context: "c"), namespace: "todo")
        #expect(forwarder.command(service: "frontend", localPort: 40123, remotePort: 8080).description
                == "kubectl --kubeconfig /k --context c --namespace todo port-forward --address 127.0.0.1 service/frontend 40123:8080")
    }

    @Test func findsAFreePort() throws {
        let port = try PortForwarder.freeLocalPort()
        #expect(port > 0)
        #expect(!PortForwarder.accepts(port: port))
    }
}

@Suite struct HelmChartRendererTests {
    @Test func rendersThroughHelmTemplateWithAPrivateValuesFile() async throws {
        let repo = try ScratchRepo()
        try repo.write("helm/app/Chart.yaml", "name: app\n")
        try repo.write("helm/app/values-bare.yaml", "x: 1\n")
        try repo.write("helm/lab.yaml", "y: 2\n")
        let recorder = RecordingHelm(output: """
            apiVersion: v1
            kind: Service
            metadata:
              name: frontend
            ---
            apiVersion: v1
            kind: Pod
            metadata:
              name: app-test
              annotations:
                helm.sh/hook: test
            """)
        let objects = try await HelmChartRenderer(runner: recorder, chart: repo.root + "/helm/app", release: "lab",
                                                  valuesFiles: [repo.root + "/helm/lab.yaml"])
            .render(namespace: "lab", provider: "bare", values: ["database": ["password": "pw-123456"]])
        #expect(objects.count == 1)
        let command = try #require(recorder.command)
        #expect(Array(command.arguments.prefix(5)) == ["template", "lab", repo.root + "/helm/app", "--namespace", "lab"])
        // The chart's provider values first, then the stack's files, then the inline values.
        let files = command.arguments.enumerated().filter { $0.offset > 0 && command.arguments[$0.offset - 1] == "--values" }.map(\.element)
        #expect(files.prefix(2) == [repo.root + "/helm/app/values-bare.yaml", repo.root + "/helm/lab.yaml"])
        #expect(!command.description.contains("pw-123456"))
        #expect(recorder.valuesText?.contains("pw-123456") == true)
        #expect(recorder.valuesMode == 0o600)
        #expect(!FileManager.default.fileExists(atPath: command.arguments.last ?? ""))
    }

    @Test func withoutHelmTheErrorSaysWhatToInstall() async throws {
        struct NoHelm: ProcessRunner {
            func run(_ command: Command) async throws -> ProcessOutput { ProcessOutput(exitCode: 0) }
            func start(_ command: Command, logPath: String?) async throws -> any BackgroundProcess { fatalError("not used") }
            func which(_ name: String) -> String? { nil }
        }
        do {
            _ = try await HelmChartRenderer(runner: NoHelm(), chart: "/x", release: "r").render(namespace: "n", provider: "bare", values: nil)
            Issue.record("rendered without helm")
        } catch let error as LabrunError {
            #expect(error.id == ErrorID.helmMissing)
        }
    }
}

/// Answers `helm template` with fixed output and remembers the values file it was given.
final class RecordingHelm: ProcessRunner, @unchecked Sendable {
    let output: String
    var command: Command?
    var valuesText: String?
    var valuesMode: Int?
    init(output: String) { self.output = output }
    func run(_ command: Command) async throws -> ProcessOutput {
        self.command = command
        if let path = command.arguments.last {
            valuesText = try? String(contentsOfFile: path, encoding: .utf8)
            valuesMode = (try? FileManager.default.attributesOfItem(atPath: path))?[.posixPermissions] as? Int
        }
        return ProcessOutput(exitCode: 0, standardOutput: output)
    }
    func start(_ command: Command, logPath: String?) async throws -> any BackgroundProcess { fatalError("not used") }
    func which(_ name: String) -> String? { name == "helm" ? "/usr/bin/helm" : nil }
}
