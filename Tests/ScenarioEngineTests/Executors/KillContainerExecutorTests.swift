import ClusterProviders
import LabrunCore
import LabrunTestSupport
import Testing
@testable import ScenarioEngine
@testable import ScenarioModel

@Suite("KillContainerExecutor")
struct KillContainerExecutorTests {
    typealias K = KubeObjects
    static let containerID = "0123456789abcdef0123"

    /// backend-a (ready, restart count 0, then 1, on `node`) and backend-b (not ready).
    func fixture(provider: (any ClusterProvider)? = nil, runtime: String = "docker://", restartsAfter: Int = 1,
                 installed: Set<String> = [], node: String = "node-1") -> ExecutorFixture {
        var cluster = ExecutorFixture(api: [
            "GET \(K.deployments)/backend": [K.answer(K.workload("backend"))],
            "GET \(K.pods)": [K.answer(K.list([K.pod("backend-a", containerID: runtime + Self.containerID, node: node),
                                               K.pod("backend-b", ready: false, containerID: runtime + "ffff")]))],
            "GET \(K.pods)/backend-a": [K.answer(K.pod("backend-a", containerID: runtime + Self.containerID)),
                                        K.answer(K.pod("backend-a", containerID: runtime + Self.containerID, restarts: restartsAfter))],
        ], runner: RecordingProcessRunner(installed: installed))
        cluster.provider = provider ?? FakeNodeProvider()
        return cluster
    }

    /// A provider of `kind` built as labrun builds it, running the fixture's commands.
    func real(_ kind: ProviderKind, _ cluster: ExecutorFixture) -> any ClusterProvider {
        let context = ProviderContext(runner: cluster.runner, environment: ["HOME": "/home/dev"],
                                      layout: ProjectLayout(root: "/nonexistent", stateDirectory: "/nonexistent/state"),
                                      clock: cluster.clock, isRoot: false, isLinux: true)
        return ProviderSelector(context: context, probe: NoProbe()).make(kind)
    }

    func kill(_ signal: KillSignal = .kill) -> Action {
        .killContainer(KillContainerAction(target: .workload("backend"), container: "backend", signal: signal))
    }

    @Test func onTheBareProviderTheHostsDockerKillsWithTheSignalAndTheRestartCountIsAwaited() async throws {
        let cluster = fixture(node: BareProvider.firstNode)
        let outcome = try await cluster.perform(kill(.term))
        #expect(cluster.runner.commandLines == ["docker kill --signal TERM \(Self.containerID)"])
        #expect(outcome.faultLandedAt == 0)
        #expect(outcome.message == "killed backend-a/backend; restart count went up")
        #expect(cluster.timeline == ["backend-a: docker kill --signal TERM 0123456789ab (backend)",
                                     "backend-a: restart count of backend went above 0"])
    }

    /// A pod on an extra node of the bare cluster (`cluster/bare/up --nodes 2`): that node's own engine.
    @Test func onAnExtraBareNodeItsOwnEngineKills() async throws {
        var cluster = fixture(node: "labrun-bare-2")
        cluster.provider = real(.bare, cluster)
        _ = try await cluster.perform(kill())
        #expect(cluster.runner.commandLines == ["docker --host unix:///var/lib/labrun/bare/run/labrun-bare-2/docker.sock kill --signal KILL \(Self.containerID)"])
        #expect(cluster.timeline.first == "backend-a: docker kill --signal KILL 0123456789ab on node labrun-bare-2 (backend)")
    }

    /// minikube's docs: `minikube ssh [-n NODE] -- COMMAND` runs COMMAND on a node; crictl there talks
    /// to the node's runtime, and `crictl stop --timeout 0` kills at once (crictl has no `kill --signal`).
    @Test func onMinikubeTheNodesRuntimeIsReachedThroughMinikubeSSH() async throws {
        var cluster = fixture(runtime: "containerd://")
        cluster.provider = real(.minikube, cluster)
        _ = try await cluster.perform(kill())
        #expect(cluster.runner.commandLines
                == ["minikube ssh --profile labrun --node node-1 -- sudo crictl stop --timeout 0 \(Self.containerID)"])
        #expect(cluster.timeline.first == "backend-a: crictl stop --timeout 0 0123456789ab on node node-1 (minikube ssh) (backend)")

        var docker = fixture(runtime: "docker://")
        docker.provider = real(.minikube, docker)
        _ = try await docker.perform(kill(.term))
        #expect(docker.runner.commandLines
                == ["minikube ssh --profile labrun --node node-1 -- sudo docker kill --signal TERM \(Self.containerID)"])
    }

    /// kind's nodes are containers named like their Kubernetes nodes, with crictl inside
    /// (kind's docs: `docker exec -it kind-control-plane crictl images`).
    @Test func onKindTheNodeContainerRunsCrictl() async throws {
        var cluster = fixture(runtime: "containerd://")
        cluster.provider = real(.kind, cluster)
        _ = try await cluster.perform(kill(.term))
        #expect(cluster.runner.commandLines == ["docker exec node-1 crictl stop --timeout 30 \(Self.containerID)"])
    }

    @Test func onAnExistingClusterWhoseContainersThisHostsDockerRunsDockerKillsThem() async throws {
        var cluster = fixture(installed: ["docker"])
        let runner = cluster.runner
        cluster.provider = FakeProvider(kind: .existing)
        _ = try await cluster.perform(kill())
        #expect(runner.commandLines == ["docker inspect --format {{.Id}} \(Self.containerID)",
                                        "docker kill --signal KILL \(Self.containerID)"])
        #expect(cluster.timeline.first?.contains("this host's Docker runs the node's containers") == true)
    }

    @Test func elsewhereTheContainerIsSignalledFromInsideThePodAndTheReportSaysSo() async throws {
        var cluster = fixture(runtime: "containerd://")
        cluster.provider = FakeProvider(kind: .existing)
        let outcome = try await cluster.perform(kill())
        #expect(cluster.runner.commandLines
                == ["kubectl --kubeconfig /dev/null --namespace lab exec backend-a --container backend -- kill -s TERM 1"])
        #expect(outcome.message?.contains("signalled from inside the pod with TERM (KILL cannot reach a container's PID 1") == true)
        #expect(cluster.timeline.contains { $0.hasPrefix("backend-a: the existing provider gives no access to the node's container runtime") })
    }

    @Test func aKillThatIsNeverFollowedByARestartIsAFaultThatDidNotLand() async throws {
        var cluster = fixture(runtime: "containerd://", restartsAfter: 0)
        cluster.provider = FakeProvider(kind: .existing)
        let error = await #expect(throws: LabrunError.self) { try await cluster.perform(kill()) }
        #expect(error?.id == ErrorID.faultNotLanded)
        #expect(error?.message.contains("was not restarted within 1m30s") == true)
        #expect(error?.advice?.contains("may ignore TERM") == true)
    }

    @Test func aFailedKillCommandIsAnErrorNamingIt() async throws {
        var cluster = fixture(runtime: "containerd://")
        cluster.provider = real(.kind, cluster)
        cluster.runner.add(["docker", "exec"], exitCode: 1, stderr: "Error response from daemon: No such container: node-1")
        let error = await #expect(throws: LabrunError.self) { try await cluster.perform(kill()) }
        #expect(error?.id == ErrorID.commandFailed)
        #expect(error?.message.contains("`docker exec node-1 crictl stop --timeout 0") == true)
    }

    @Test func tooFewReadyPodsIsAnError() async throws {
        let error = await #expect(throws: LabrunError.self) {
            try await fixture().perform(.killContainer(KillContainerAction(target: .workload("backend"), count: 2)))
        }
        #expect(error?.id == ErrorID.actionNoTarget)
        #expect(error?.message.hasSuffix("found 1.") == true)
    }
}

/// A probe the executors' tests never call.
struct NoProbe: ClusterProbe {
    func serverVersion(_ target: KubeconfigTarget) async throws -> String { "v1.30.0" }
}
