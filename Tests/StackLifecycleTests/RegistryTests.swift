import ClusterProviders
import Foundation
import HTTPClient
import KubernetesClient
import LabrunCore
import LabrunTestSupport
import StackModel
import Testing
@testable import StackLifecycle

/// `--registry`: where the images go, how they are pushed, and how the manifests name them.
@Suite struct ImageRegistryTests {
    @Test func acceptsHostsPortsAndPaths() throws {
        #expect(try ImageRegistry("127.0.0.1:5000").reference(for: "labrun/todo-backend:abc") == "127.0.0.1:5000/labrun/todo-backend:abc")
        #expect(try ImageRegistry("registry.example.com/team/").location == "registry.example.com/team")
        #expect(try ImageRegistry("registry.example.com/team").host == "registry.example.com")
        #expect(try ImageRegistry("localhost/lab").reference(for: "x:1") == "localhost/lab/x:1")
        // A repository that names its own registry keeps only its path.
        #expect(try ImageRegistry("127.0.0.1:5000").reference(for: "registry.local:5000/shop/api:abc") == "127.0.0.1:5000/shop/api:abc")
        #expect(try ImageRegistry("europe-docker.pkg.dev/my-project/labrun", pullSecret: "regcred").pullSecret == "regcred")
    }

    @Test(arguments: [
        ("https://registry.example.com", "scheme"),
        ("user:secret@registry.example.com", "credentials"),
        ("myaccount", "Docker Hub account"),
        ("registry.example.com:99999", "not a port"),
        ("registry.example.com/Team", "repository path part"),
        ("registry.example.com//team", "repository path part"),
        ("", "empty"),
    ])
    func refusesWhatDockerWouldMisread(_ location: String, _ problem: String) {
        do {
            _ = try ImageRegistry(location)
            Issue.record("\(location) was accepted")
        } catch let error as LabrunError {
            #expect(error.id == ErrorID.registryInvalid)
            #expect(error.exitCode == ExitCode.usage)
            #expect(error.message.contains(problem), "\(error.message)")
            #expect(!error.message.contains("secret@"), "the message repeats what looks like credentials")
        } catch {
            Issue.record("unexpected \(error)")
        }
    }

    @Test func aPullSecretMustBeASecretName() {
        #expect(throws: LabrunError.self) { try ImageRegistry("127.0.0.1:5000", pullSecret: "Reg_Cred") }
        #expect(throws: LabrunError.self) { try ImageRegistry("127.0.0.1:5000", pullSecret: "-x") }
    }
}

@Suite struct ImagePusherTests {
    let images = ["labrun/todo-backend": "labrun/todo-backend:abc", "labrun/todo-frontend": "labrun/todo-frontend:def"]

    @Test func tagsPushesAndUntagsEveryImageAndReturnsTheRegistryReferences() async throws {
        let runner = RecordingProcessRunner()
        runner.add(["docker", "push"], stdout: "The push refers to repository [r.example.com/lab/labrun/todo-backend]\n1a: Preparing\n1a: Pushed\n2b: Layer already exists\nabc: digest: sha256:0 size: 527\n")
        let lines = Lines()
        let pusher = ImagePusher(runner: runner, registry: try ImageRegistry("r.example.com/lab"), clock: ManualClock(),
                                 progress: { lines.add($0) })
        let pushed = try await pusher.push(images)
        #expect(pushed == ["labrun/todo-backend": "r.example.com/lab/labrun/todo-backend:abc",
                           "labrun/todo-frontend": "r.example.com/lab/labrun/todo-frontend:def"])
        #expect(runner.commandLines == [
            "docker tag labrun/todo-backend:abc r.example.com/lab/labrun/todo-backend:abc",
            "docker push r.example.com/lab/labrun/todo-backend:abc",
            "docker image rm r.example.com/lab/labrun/todo-backend:abc",
            "docker tag labrun/todo-frontend:def r.example.com/lab/labrun/todo-frontend:def",
            "docker push r.example.com/lab/labrun/todo-frontend:def",
            "docker image rm r.example.com/lab/labrun/todo-frontend:def",
        ])
        #expect(lines.all.contains { $0.contains("r.example.com/lab/labrun/todo-backend:abc") && $0.contains("1 layer(s) sent, 1 already there") })
    }

    @Test func aFailedPushNamesTheImageTheRegistryAndDockersWordsAndStillUntags() async throws {
        let runner = RecordingProcessRunner()
        runner.add(["docker", "push"], exitCode: 1,
                   stdout: "The push refers to repository [r.example.com/lab/labrun/todo-backend]\n1a: Preparing\n",
                   stderr: "unauthorized: authentication required\n")
        let pusher = ImagePusher(runner: runner, registry: try ImageRegistry("r.example.com/lab"), clock: ManualClock())
        do {
            _ = try await pusher.push(["labrun/todo-backend": "labrun/todo-backend:abc"])
            Issue.record("the push did not fail")
        } catch let error as LabrunError {
            #expect(error.id == ErrorID.imagePushFailed)
            #expect(error.message.contains("labrun/todo-backend:abc"))
            #expect(error.message.contains("registry r.example.com/lab"))
            #expect(error.message.contains("unauthorized: authentication required"))
            #expect(!error.message.contains("Preparing"))
            #expect(error.advice?.contains("docker login r.example.com") == true)
        }
        #expect(runner.commandLines.last == "docker image rm r.example.com/lab/labrun/todo-backend:abc")
    }

    @Test func aRegistryWithoutTLSGetsAdviceOnInsecureRegistries() {
        let pusher = ImagePusher(runner: RecordingProcessRunner(), registry: try! ImageRegistry("10.1.2.3:5000"))
        let error = pusher.failure("x:1", ProcessOutput(exitCode: 1, standardError: "Get \"https://10.1.2.3:5000/v2/\": http: server gave HTTP response to HTTPS client"))
        #expect(error.advice?.contains("insecure-registries") == true)
    }
}

@Suite struct RegistryRenderingTests {
    static let deployment: JSONValue = [
        "apiVersion": "apps/v1", "kind": "Deployment", "metadata": ["name": "backend"],
        "spec": ["template": ["spec": ["containers": [
            ["name": "api", "image": "labrun/todo-backend:dev", "imagePullPolicy": "Never"],
            ["name": "sidecar", "image": "busybox:1", "imagePullPolicy": "Never"],
        ]]]],
    ]
    static let cronJob: JSONValue = [
        "apiVersion": "batch/v1", "kind": "CronJob", "metadata": ["name": "report"],
        "spec": ["jobTemplate": ["spec": ["template": ["spec": [
            "imagePullSecrets": [["name": "regcred"]],
            "containers": [["name": "report", "image": "labrun/todo-backend:dev"]],
        ]]]]],
    ]
    static let pod: JSONValue = ["apiVersion": "v1", "kind": "Pod", "metadata": ["name": "p"],
                                 "spec": ["containers": [["name": "c", "image": "labrun/todo-backend:dev"]]]]
    static let service: JSONValue = ["apiVersion": "v1", "kind": "Service", "metadata": ["name": "backend"], "spec": ["ports": [["port": 80]]]]
    let images = ["labrun/todo-backend": "r.example.com/lab/labrun/todo-backend:abc"]

    @Test func everyPodTemplateGetsThePullSecretOnceAndBuiltImagesMayBePulled() throws {
        let registry = try ImageRegistry("r.example.com/lab", pullSecret: "regcred")
        let out = try ManifestRenderer(namespace: "shop", images: images, served: nil, registry: registry)
            .render([Self.deployment, Self.cronJob, Self.pod, Self.service])
        let spec = try #require(out[0].value(at: "spec.template.spec"))
        #expect(spec["imagePullSecrets"] == [["name": "regcred"]])
        #expect(spec.value(at: "containers.0.image")?.stringValue == "r.example.com/lab/labrun/todo-backend:abc")
        #expect(spec.value(at: "containers.0.imagePullPolicy")?.stringValue == "IfNotPresent")
        // Not an image labrun built: left as written.
        #expect(spec.value(at: "containers.1.imagePullPolicy")?.stringValue == "Never")
        #expect(out[1].value(at: "spec.jobTemplate.spec.template.spec.imagePullSecrets") == [["name": "regcred"]])
        #expect(out[2].value(at: "spec.imagePullSecrets") == [["name": "regcred"]])
        #expect(out[3]["spec"] == Self.service["spec"])
    }

    @Test func withoutARegistryNothingButTheImagesChanges() throws {
        let out = try ManifestRenderer(namespace: "shop", images: ["labrun/todo-backend": "labrun/todo-backend:abc"], served: nil)
            .render([Self.deployment])
        #expect(out[0].value(at: "spec.template.spec.imagePullSecrets") == nil)
        #expect(out[0].value(at: "spec.template.spec.containers.0.imagePullPolicy")?.stringValue == "Never")
    }
}

/// The check before deploying: the probe pod, the kubelet's answers, and the refusal.
@Suite struct ImageVisibilityTests {
    static let server = "https://k8s.test:6443"
    static let podPath = "/api/v1/namespaces/shop/pods/labrun-image-probe"

    static func probePod(_ statuses: String, phase: String = "Pending") -> HTTPResponse {
        .json(200, #"{"metadata":{"name":"labrun-image-probe"},"spec":{"containers":[{"name":"image-0","image":"example/backend:abc"},{"name":"image-1","image":"example/postgres:def"}]},"status":{"phase":"\#(phase)","containerStatuses":\#(statuses)}}"#)
    }

    static func waiting(_ name: String, _ reason: String) -> String { #"{"name":"\#(name)","state":{"waiting":{"reason":"\#(reason)"}}}"# }
    static func cannotRun(_ name: String) -> String {
        #"{"name":"\#(name)","state":{"terminated":{"exitCode":127,"reason":"ContainerCannotRun"}}}"#
    }

    func decode(_ response: HTTPResponse) throws -> Pod { try JSONDecoder().decode(Pod.self, from: response.body) }

    @Test func theKubeletsAnswersBecomeAVerdict() throws {
        let pending = try decode(Self.probePod("[]"))
        #expect(ImageVisibilityProbe.verdict(pending) == nil)
        let creating = try decode(Self.probePod("[\(Self.waiting("image-0", "ContainerCreating")), \(Self.waiting("image-1", "ContainerCreating"))]"))
        #expect(ImageVisibilityProbe.verdict(creating) == nil)
        let half = try decode(Self.probePod("[\(Self.cannotRun("image-0")), \(Self.waiting("image-1", "ContainerCreating"))]"))
        #expect(ImageVisibilityProbe.verdict(half) == nil)
        let found = try decode(Self.probePod("[\(Self.cannotRun("image-0")), \(Self.waiting("image-1", "RunContainerError"))]"))
        #expect(ImageVisibilityProbe.verdict(found) == .visible)
        let missing = try decode(Self.probePod("[\(Self.cannotRun("image-0")), \(Self.waiting("image-1", "ErrImageNeverPull"))]"))
        #expect(ImageVisibilityProbe.verdict(missing) == .notVisible(["example/postgres:def (ErrImageNeverPull)"]))
    }

    @Test func theProbePodRunsNothingWithTheLeastPrivilege() throws {
        let kube = try KubernetesClient(configuration: KubernetesConfiguration(server: Self.server, namespace: "shop"),
                                        http: FakeHTTPTransport(), clock: ManualClock())
        let pod = ImageVisibilityProbe(kube: kube, namespace: "shop").pod(["example/backend:abc"])
        let spec = try #require(pod["spec"])
        #expect(spec["automountServiceAccountToken"] == false)
        #expect(spec["enableServiceLinks"] == false)
        #expect(spec["restartPolicy"]?.stringValue == "Never")
        #expect(spec.value(at: "securityContext.runAsNonRoot") == true)
        #expect(spec.value(at: "containers.0.imagePullPolicy")?.stringValue == "Never")
        #expect(spec.value(at: "containers.0.command") == [.string(ImageVisibilityProbe.neverRun)])
        #expect(spec.value(at: "containers.0.securityContext.allowPrivilegeEscalation") == false)
        #expect(spec.value(at: "containers.0.securityContext.capabilities.drop") == ["ALL"])
        #expect(spec.value(at: "containers.0.resources.limits.memory")?.stringValue == "16Mi")
        #expect(pod.value(at: "metadata.labels")?[ManifestRenderer.managedByLabel]?.stringValue == "labrun")
    }

    struct World {
        let api: FakeHTTPTransport
        let deployer: StackDeployer
        let lines: Lines
        /// The API's writes, as `METHOD /path`.
        var writes: [String] {
            api.requests.filter { $0.method != .get }.map { "\($0.method.rawValue) " + (URLComponents(string: $0.url)?.path ?? $0.url) }
        }
    }

    func world(_ provider: any ClusterProvider, registry: ImageRegistry? = nil, routes: [String: [HTTPResponse]]) throws -> World {
        let repo = try ScratchRepo()
        let layout = ProjectLayout(root: repo.root, stateDirectory: repo.root + "/state")
        let api = FakeHTTPTransport(HTTPRouteScript(routes))
        let kube = try KubernetesClient(configuration: KubernetesConfiguration(server: Self.server, namespace: "shop"), http: api,
                                        clock: ManualClock())
        let lines = Lines()
        let deployer = StackDeployer(stack: repo.stack, provider: provider, kube: kube,
                                     kubeconfig: KubeconfigTarget(path: "/home/dev/.kube/config", context: nil),
                                     runner: RecordingProcessRunner(), layout: layout, clock: ManualClock(), registry: registry,
                                     progress: { lines.add($0) })
        return World(api: api, deployer: deployer, lines: lines)
    }

    func existing() throws -> any ClusterProvider {
        let layout = ProjectLayout(root: "/nowhere", stateDirectory: "/nowhere/state")
        let context = ProviderContext(runner: RecordingProcessRunner(), environment: ["HOME": "/home/dev"], layout: layout,
                                      clock: ManualClock(), isRoot: false, isLinux: true)
        return ExistingProvider(context: context, kubeconfig: "/home/dev/.kube/config", contextName: "prod", probe: NeverProbe())
    }

    let images = ["example/backend": "example/backend:abc", "example/postgres": "example/postgres:def"]

    @Test func imagesTheNodesDoNotHaveAreRefusedBeforeAnythingIsApplied() async throws {
        let w = try world(try existing(), routes: [
            "DELETE \(Self.podPath)": [.json(200, "{}")],
            "POST /api/v1/namespaces/shop/pods": [.json(201, "{}")],
            "GET \(Self.podPath)": [
                Self.probePod("[]"),
                Self.probePod("[\(Self.cannotRun("image-0")), \(Self.waiting("image-1", "ErrImageNeverPull"))]"),
            ],
        ])
        do {
            try await w.deployer.ensureVisible(images, namespace: "shop")
            Issue.record("the deployer went on although the nodes lack an image")
        } catch let error as LabrunError {
            #expect(error.id == ErrorID.imagesNotVisible)
            #expect(error.message.contains("do not have the images built on this host"))
            #expect(error.message.contains("example/postgres:def (ErrImageNeverPull)"))
            #expect(!error.message.contains("example/backend:abc"))
            #expect(error.advice?.contains("--registry") == true)
            #expect(error.advice?.contains("--provider minikube") == true)
        }
        // The probe's leftover removed, the probe made and deleted: nothing else written.
        #expect(w.writes == ["DELETE \(Self.podPath)", "POST /api/v1/namespaces/shop/pods", "DELETE \(Self.podPath)"])
        let created = try #require(w.api.requests.first { $0.method == .post }?.body)
        let pod = try JSONDecoder().decode(JSONValue.self, from: created)
        #expect(pod.value(at: "spec.containers")?.arrayValue?.compactMap { $0["image"]?.stringValue } == ["example/backend:abc", "example/postgres:def"])
    }

    @Test func imagesTheNodesHaveLetTheDeployGoOn() async throws {
        let w = try world(try existing(), routes: [
            "DELETE \(Self.podPath)": [.json(200, "{}")],
            "POST /api/v1/namespaces/shop/pods": [.json(201, "{}")],
            "GET \(Self.podPath)": [Self.probePod("[\(Self.cannotRun("image-0")), \(Self.cannotRun("image-1"))]")],
        ])
        try await w.deployer.ensureVisible(images, namespace: "shop")
        #expect(w.writes.last == "DELETE \(Self.podPath)")
        #expect(w.lines.all.contains { $0.hasPrefix("the nodes have them") })
    }

    @Test func aProbeThatMayNotRunIsReportedAndNotARefusal() async throws {
        let w = try world(try existing(), routes: [
            "DELETE \(Self.podPath)": [.json(200, "{}")],
            "POST /api/v1/namespaces/shop/pods": [.json(403, #"{"kind":"Status","reason":"Forbidden","code":403,"message":"pods is forbidden: User \"dev\" cannot create resource \"pods\""}"#)],
        ])
        try await w.deployer.ensureVisible(images, namespace: "shop")
        #expect(w.lines.all.contains { $0.contains("could not check whether the nodes have the images") && $0.contains("--registry") })
    }

    @Test func aProbeThatNeverGetsScheduledEndsInTimeAndIsDeleted() async throws {
        let unscheduled = HTTPResponse.json(200, #"{"metadata":{"name":"labrun-image-probe"},"spec":{"containers":[{"name":"image-0","image":"example/backend:abc"}]},"status":{"phase":"Pending","conditions":[{"type":"PodScheduled","status":"False","reason":"Unschedulable","message":"0/3 nodes are available: 3 Insufficient cpu."}]}}"#)
        let w = try world(try existing(), routes: [
            "DELETE \(Self.podPath)": [.json(200, "{}")],
            "POST /api/v1/namespaces/shop/pods": [.json(201, "{}")],
            "GET \(Self.podPath)": [unscheduled],
        ])
        try await w.deployer.ensureVisible(images, namespace: "shop")
        #expect(w.lines.all.contains { $0.contains("Insufficient cpu") })
        #expect(w.writes.last == "DELETE \(Self.podPath)")
    }

    @Test func noProbeWithARegistryOrWhereTheProviderPutsTheImagesOnTheNodes() async throws {
        let layout = ProjectLayout(root: "/nowhere", stateDirectory: "/nowhere/state")
        let context = ProviderContext(runner: RecordingProcessRunner(), environment: ["HOME": "/home/dev"], layout: layout,
                                      clock: ManualClock(), isRoot: true, isLinux: true)
        for (provider, registry) in [(try existing(), try ImageRegistry("127.0.0.1:5000")),
                                     (BareProvider(context: context) as any ClusterProvider, nil),
                                     (MinikubeProvider(context: context) as any ClusterProvider, nil)] {
            let w = try world(provider, registry: registry, routes: [:])
            try await w.deployer.ensureVisible(images, namespace: "shop")
            #expect(w.api.requests.isEmpty, "\(provider.kind) asked the API")
        }
    }
}

/// Progress lines, collected.
final class Lines: @unchecked Sendable {
    private let lock = NSLock()
    private var lines: [String] = []
    var all: [String] { lock.withLock { lines } }
    func add(_ line: String) { lock.withLock { lines.append(line) } }
}
