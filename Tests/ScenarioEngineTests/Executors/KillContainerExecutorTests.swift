import ClusterProviders
import LabrunCore
import Testing
@testable import ScenarioEngine
@testable import ScenarioModel

@Suite("KillContainerExecutor")
struct KillContainerExecutorTests {
    typealias K = KubeObjects
    static let containerID = "0123456789abcdef0123"

    /// backend-a (ready, restart count 0) and backend-b (not ready), on a provider of `kind`.
    func fixture(kind: ProviderKind = .bare, runtime: String = "docker://") -> ExecutorFixture {
        var cluster = ExecutorFixture(api: [
            "GET \(K.deployments)/backend": [K.answer(K.workload("backend"))],
            "GET \(K.pods)": [K.answer(K.list([K.pod("backend-a", containerID: runtime + Self.containerID),
                                               K.pod("backend-b", ready: false, containerID: runtime + "ffff")]))],
            "GET \(K.pods)/backend-a": [K.answer(K.pod("backend-a", containerID: runtime + Self.containerID)),
                                        K.answer(K.pod("backend-a", containerID: runtime + Self.containerID, restarts: 1))],
        ])
        cluster.provider = FakeProvider(kind: kind)
        return cluster
    }

    @Test func killsTheChosenContainerWithTheSignalAndWaitsForTheRestartCount() async throws {
        let cluster = fixture()
        let outcome = try await cluster.perform(.killContainer(KillContainerAction(target: .workload("backend"), container: "backend",
                                                                                   signal: .term)))
        #expect(cluster.runner.commandLines == ["docker kill --signal TERM \(Self.containerID)"])
        #expect(outcome.faultLandedAt == 0)
        #expect(outcome.message == "killed backend-a/backend; restart count went up")
        #expect(cluster.timeline == ["backend-a: docker kill --signal TERM 0123456789ab (backend)",
                                     "backend-a: restart count of backend went above 0"])
    }

    @Test func refusesAProviderWithoutTheNodesRuntime() async throws {
        let cluster = fixture(kind: .minikube)
        let error = await #expect(throws: LabrunError.self) {
            try await cluster.perform(.killContainer(KillContainerAction(target: .workload("backend"))))
        }
        #expect(error?.id == ErrorID.runtimeUnsupported)
        #expect(cluster.runner.commands.isEmpty)
        #expect(cluster.calls.isEmpty)
    }

    @Test func aContainerOfAnotherRuntimeIsNamedInTheError() async throws {
        let cluster = fixture(runtime: "containerd://")
        let error = await #expect(throws: LabrunError.self) {
            try await cluster.perform(.killContainer(KillContainerAction(target: .workload("backend"))))
        }
        #expect(error?.id == ErrorID.runtimeUnsupported)
        #expect(error?.message.contains("pod backend-a runs on containerd") == true)
        #expect(cluster.runner.commands.isEmpty)
    }

    @Test func tooFewReadyPodsIsAnError() async throws {
        let error = await #expect(throws: LabrunError.self) {
            try await fixture().perform(.killContainer(KillContainerAction(target: .workload("backend"), count: 2)))
        }
        #expect(error?.id == ErrorID.actionNoTarget)
        #expect(error?.message.hasSuffix("found 1.") == true)
    }
}
