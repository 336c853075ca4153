import ClusterProviders
import Foundation
import KubernetesClient
import LabrunCore
import LabrunTestSupport
import StackModel
import Testing
@testable import StackLifecycle

/// How the deployer reaches the stack from the host: NodePort when it answers, else `minikube
/// service --url` on Minikube, else `kubectl port-forward` — or the method `--access` forces.
/// Minikube cannot run here: its command lines and printed URLs follow its documented behaviour.
@Suite struct AccessTests {
    static let server = "https://k8s.test:6443"
    /// The NodePort twin of the example stack's backend Service (port 8000 → node port 31000).
    static let twin = #"{"metadata":{"name":"labrun-backend"},"spec":{"type":"NodePort","ports":[{"port":8000,"nodePort":31000}]}}"#

    struct World {
        let runner: RecordingProcessRunner
        let deployer: StackDeployer
        let tried: Tried
    }

    final class Tried: @unchecked Sendable {
        private let lock = NSLock()
        private var seen: [String] = []
        var all: [String] { lock.withLock { seen } }
        func add(_ address: String) { lock.withLock { seen.append(address) } }
    }

    /// A deployer for the example stack on `kind` whose connection check answers for `answering` addresses.
    func world(_ kind: ProviderKind, answering: Set<String>, runner: RecordingProcessRunner = RecordingProcessRunner()) async throws -> World {
        let repo = try ScratchRepo()
        let layout = ProjectLayout(root: repo.root, stateDirectory: repo.root + "/state")
        let context = ProviderContext(runner: runner, environment: ["HOME": "/home/dev"], layout: layout, clock: ManualClock(),
                                      isRoot: false, isLinux: true)
        let provider: any ClusterProvider = kind == .minikube ? MinikubeProvider(context: context)
            : ExistingProvider(context: context, kubeconfig: "/home/dev/.kube/config", contextName: "prod", probe: NeverProbe())
        let api = FakeHTTPTransport(HTTPRouteScript([
            "GET /api/v1/namespaces/shop/services/labrun-backend": [.json(200, Self.twin)],
            "GET /api/v1/nodes": [.json(200, #"{"metadata":{},"items":[{"status":{"addresses":[{"type":"InternalIP","address":"10.0.0.9"}]}}]}"#)],
            // What port-forward access follows: the Service and the ready pod behind it.
            "GET /api/v1/namespaces/shop/services/backend": [.json(200, #"{"metadata":{"name":"backend"},"spec":{"ports":[{"port":8000}]}}"#)],
            "GET /api/v1/namespaces/shop/endpoints/backend": [.json(200, #"{"metadata":{"name":"backend"},"subsets":[{"addresses":[{"ip":"10.244.0.5","targetRef":{"kind":"Pod","name":"backend-1"}}],"ports":[{"port":8000}]}]}"#)],
        ]))
        let kube = try KubernetesClient(configuration: KubernetesConfiguration(server: Self.server, namespace: "shop"), http: api,
                                        clock: ManualClock())
        let tried = Tried()
        let deployer = StackDeployer(stack: repo.stack, provider: provider, kube: kube, kubeconfig: try await provider.kubeconfig(),
                                     runner: runner, layout: layout, clock: ManualClock(),
                                     connectionCheck: { host, port in
                                         tried.add("\(host):\(port)")
                                         return answering.contains("\(host):\(port)") || answering.contains(host)
                                     })
        return World(runner: runner, deployer: deployer, tried: tried)
    }

    @Test func nodePortsThatAnswerAreUsedAndLast() async throws {
        let runner = RecordingProcessRunner()
        runner.add(["minikube", "ip"], stdout: "192.168.49.2\n")
        let w = try await world(.minikube, answering: ["192.168.49.2:31000"], runner: runner)
        let reached = try await w.deployer.reach(namespace: "shop", forwards: CleanupStack())
        #expect(reached.method == "NodePort on 192.168.49.2")
        #expect(reached.entries == [.init(workload: "backend", host: "192.168.49.2", port: 31000)])
        #expect(reached.lasting)
        #expect(runner.commandLines == ["minikube ip --profile labrun"])
    }

    /// Docker Desktop: the node's address does not route from the host, so `minikube service --url`
    /// opens a tunnel, prints `http://127.0.0.1:PORT` and keeps running until stopped.
    @Test func onMinikubeUnreachableNodePortsFallBackToMinikubeService() async throws {
        let runner = RecordingProcessRunner()
        runner.add(["minikube", "ip"], stdout: "192.168.49.2\n")
        runner.addStarted(["minikube", "service"], log: "http://127.0.0.1:53001\n❗  Because you are using a Docker driver on darwin, the terminal needs to be open to run it.\n")
        let w = try await world(.minikube, answering: [], runner: runner)
        let forwards = CleanupStack()
        let reached = try await w.deployer.reach(namespace: "shop", forwards: forwards)
        #expect(reached.method == "minikube service")
        #expect(reached.entries == [.init(workload: "backend", host: "127.0.0.1", port: 53001)])
        #expect(runner.commandLines == ["minikube ip --profile labrun",
                                        "minikube service labrun-backend --namespace shop --url --profile labrun"])
        #expect(!reached.lasting)
        #expect(reached.reopen == ["backend": "minikube service labrun-backend --namespace shop --url --profile labrun"])
        #expect(forwards.names.count == 1)
        _ = await forwards.unwind()
    }

    @Test func elsewhereUnreachableNodePortsFallBackToPortForward() async throws {
        let w = try await world(.existing, answering: ["127.0.0.1"])
        let reached = try await w.deployer.reach(namespace: "shop", forwards: CleanupStack())
        #expect(reached.method == "port-forward")
        #expect(reached.entries.first?.host == "127.0.0.1")
        #expect(w.tried.all.first == "10.0.0.9:31000")
        let started = try #require(w.runner.commands.first)
        #expect(started.executable == "kubectl")
        #expect(Array(started.arguments.prefix(8)) == ["--kubeconfig", "/home/dev/.kube/config", "--context", "prod", "--namespace", "shop",
                                                       "port-forward", "--address"])
        #expect(started.arguments.suffix(2) == ["pod/backend-1", started.arguments.last ?? ""] && started.arguments.last?.hasSuffix(":8000") == true,
                "one forward per ready pod, to the pod's port: \(started.arguments)")
        #expect(reached.reopen == ["backend": "kubectl --kubeconfig /home/dev/.kube/config --context prod --namespace shop port-forward --address 127.0.0.1 service/backend 8000:8000"])
    }

    @Test func accessForcesOneMethodWithoutTryingTheOthers() async throws {
        let runner = RecordingProcessRunner()
        let w = try await world(.minikube, answering: ["127.0.0.1"], runner: runner)
        let reached = try await w.deployer.reach(namespace: "shop", forwards: CleanupStack(), access: .portForward)
        #expect(reached.method == "port-forward")
        #expect(!runner.commandLines.contains { $0.hasPrefix("minikube") })

        let service = RecordingProcessRunner()
        service.addStarted(["minikube", "service"], log: "http://192.168.49.2:31000\n", running: false)
        let ws = try await world(.minikube, answering: [], runner: service)
        let viaService = try await ws.deployer.reach(namespace: "shop", forwards: CleanupStack(), access: .service)
        #expect(viaService.entries.first?.address == "192.168.49.2:31000")
        #expect(service.commandLines == ["minikube service labrun-backend --namespace shop --url --profile labrun"])
    }

    @Test func aForcedMethodThatCannotWorkSaysWhy() async throws {
        let notMinikube = try await world(.existing, answering: [])
        let service = await #expect(throws: LabrunError.self) {
            try await notMinikube.deployer.reach(namespace: "shop", forwards: CleanupStack(), access: .service)
        }
        #expect(service?.id == ErrorID.accessFailed)
        let nodePort = await #expect(throws: LabrunError.self) {
            try await notMinikube.deployer.reach(namespace: "shop", forwards: CleanupStack(), access: .nodePort)
        }
        #expect(nodePort?.id == ErrorID.accessFailed)
        #expect(nodePort?.message.contains("10.0.0.9:31000") == true)
        #expect(notMinikube.runner.commands.isEmpty)
        #expect(throws: LabrunError.self) { try AccessMethod.parse("tunnel", source: "--access") }
        #expect(try AccessMethod.parse("Port-Forward", source: "--access") == .portForward)
    }

    @Test func minikubeServiceThatExitsWithoutAURLIsAnErrorWithItsOutput() async throws {
        let runner = RecordingProcessRunner()
        runner.addStarted(["minikube", "service"], log: "❌  Exiting due to SVC_NOT_FOUND: Service 'labrun-backend' was not found in 'shop' namespace.\n",
                          running: false)
        let w = try await world(.minikube, answering: [], runner: runner)
        let error = await #expect(throws: LabrunError.self) {
            try await w.deployer.reach(namespace: "shop", forwards: CleanupStack(), access: .service)
        }
        #expect(error?.id == ErrorID.accessFailed)
        #expect(error?.message.contains("SVC_NOT_FOUND") == true)
    }

    @Test func urlsAreReadFromLinesAndFromOlderMinikubesTable() {
        #expect(ServiceURLOpener.urls(in: "http://127.0.0.1:5000\nhttp://127.0.0.1:5001\n") == ["http://127.0.0.1:5000", "http://127.0.0.1:5001"])
        #expect(ServiceURLOpener.urls(in: "| shop | labrun-web |    | http://127.0.0.1:61234 |\n") == ["http://127.0.0.1:61234"])
        #expect(ServiceURLOpener.hostAndPort("http://127.0.0.1:61234")?.port == 61234)
    }

    @Test func upPrintsTheCommandsThatReopenAccessThatDoesNotLast() throws {
        let stack = try ScratchRepo().stack
        let endpoints = StackEndpoints(entries: [.init(workload: "backend", host: "127.0.0.1", port: 53001)], method: "minikube service",
                                       reopen: ["backend": "minikube service labrun-backend --namespace shop --url --profile labrun"])
        #expect(endpoints.summary(for: stack) == """
            the stack was reached through minikube service while labrun ran; to reach it now, run (each in its own terminal):
            backend: minikube service labrun-backend --namespace shop --url --profile labrun
            """)
    }

}

/// A probe the access tests never reach.
struct NeverProbe: ClusterProbe {
    func serverVersion(_ target: KubeconfigTarget) async throws -> String { "v1.30.0" }
}
