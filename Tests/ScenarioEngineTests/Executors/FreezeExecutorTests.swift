import ClusterProviders
import LabrunCore
import LabrunTestSupport
import Testing
@testable import ScenarioEngine
@testable import ScenarioModel

@Suite("FreezeExecutor")
struct FreezeExecutorTests {
    typealias K = KubeObjects
    static let id = "0123456789abcdef0123"

    /// backend-a (ready, on node 1 of the bare cluster) and backend-b (not ready); the runtime reports `states` in turn
    /// to `docker ps --format {{.State}}` (the last repeating).
    func fixture(runtime: String = "docker://", states: [String] = ["paused", "running"]) -> ExecutorFixture {
        let runner = RecordingProcessRunner()
        runner.add(["docker", "ps", "--all", "--no-trunc", "--filter", "id=\(Self.id)", "--format", "{{.State}}"],
                   inTurn: states.map { ProcessOutput(exitCode: 0, standardOutput: $0 + "\n", standardError: "") })
        var cluster = ExecutorFixture(api: [
            "GET \(K.deployments)/backend": [K.answer(K.workload("backend"))],
            "GET \(K.pods)": [K.answer(K.list([K.pod("backend-a", containerID: runtime + Self.id, node: BareProvider.firstNode),
                                               K.pod("backend-b", ready: false, containerID: runtime + "ffff")]))],
        ], runner: runner)
        cluster.provider = FakeNodeProvider()
        return cluster
    }

    func freeze(_ seconds: Int = 20) -> Action {
        .freeze(FreezeAction(target: .workload("backend"), container: "backend", duration: ScenarioDuration(milliseconds: seconds * 1000)))
    }

    @Test func pausesThroughTheNodesDockerVerifiesItWaitsThenThawsAndVerifiesAgain() async throws {
        let cluster = fixture()
        let outcome = try await cluster.perform(freeze())
        #expect(cluster.runner.commandLines == ["docker inspect --format {{.HostConfig.CgroupParent}} \(Self.id)",
                                                "docker pause \(Self.id)",
                                                "docker ps --all --no-trunc --filter id=\(Self.id) --format {{.State}}",
                                                "docker unpause \(Self.id)",
                                                "docker ps --all --no-trunc --filter id=\(Self.id) --format {{.State}}"])
        #expect(outcome.faultLandedAt == 0)
        #expect(outcome.readyAt == 20)
        #expect(outcome.message == "froze backend-a/backend for 20s (verified paused), then thawed")
        #expect(cluster.timeline == ["backend-a: docker pause 0123456789ab (backend)",
                                     "backend-a/backend: frozen (the runtime reports paused) for 20s",
                                     "backend-a/backend: thawed"])
        #expect(cluster.run.cleanup.names.isEmpty, "the thaw is no longer pending once done")
    }

    /// Docker's pause/exec deadlock: `docker unpause` does not answer, so on bare the container's
    /// freezer cgroup (its parent read before the pause) is thawed directly.
    @Test func anUnpauseThatHangsIsThawedThroughTheFreezerCgroupOnBare() async throws {
        let cluster = fixture(states: ["paused", "paused", "running"])
        cluster.runner.add(["docker", "inspect", "--format", "{{.HostConfig.CgroupParent}}"], stdout: "/kubepods/besteffort/podabc\n")
        cluster.runner.add(["docker", "unpause"], exitCode: 124, stderr: "")
        let outcome = try await cluster.perform(freeze())
        let file = "/sys/fs/cgroup/freezer/kubepods/besteffort/podabc/\(Self.id)/freezer.state"
        #expect(cluster.runner.commandLines.contains("sh -c test -f \(file) && echo THAWED > \(file)"))
        #expect(outcome.message == "froze backend-a/backend for 20s (verified paused), then thawed")
    }

    @Test func aContainerThatIsNotPausedAfterThePauseIsAFaultThatDidNotLandAndIsThawed() async throws {
        let cluster = fixture(states: ["running"])
        let error = await #expect(throws: LabrunError.self) { try await cluster.perform(freeze()) }
        #expect(error?.id == ErrorID.faultNotLanded)
        #expect(error?.message.contains("reports it running, not paused") == true)
        #expect(cluster.runner.commandLines.contains("docker unpause \(Self.id)"))
        #expect(cluster.run.cleanup.names.isEmpty)
    }

    @Test func theKubeletRestartingAFrozenContainerIsReportedNotHidden() async throws {
        let cluster = fixture(states: ["paused", "exited"])
        let outcome = try await cluster.perform(freeze())
        #expect(outcome.message?.contains("backend-a/backend is exited after the thaw") == true)
    }

    @Test func aRuntimeOtherThanDockerIsRefusedBeforeAnythingChanges() async throws {
        let cluster = fixture(runtime: "containerd://")
        let error = await #expect(throws: LabrunError.self) { try await cluster.perform(freeze()) }
        #expect(error?.id == ErrorID.runtimeUnsupported)
        #expect(error?.message.contains("runs on containerd") == true)
        #expect(cluster.runner.commandLines.isEmpty)
    }

    @Test func aProviderWithoutAccessToTheRuntimeIsRefusedBeforeAnythingChanges() async throws {
        var cluster = fixture()
        cluster.provider = FakeProvider(kind: .existing)
        let error = await #expect(throws: LabrunError.self) { try await cluster.perform(freeze()) }
        #expect(error?.id == ErrorID.runtimeUnsupported)
        #expect(error?.message.contains("the existing provider gives no access") == true)
        #expect(!cluster.runner.commandLines.contains { $0.hasPrefix("docker pause") })
    }

    @Test func moreReadyPodsThanThereAreIsNoTarget() async throws {
        let cluster = fixture()
        let action = Action.freeze(FreezeAction(target: .workload("backend"), count: 2, duration: ScenarioDuration(milliseconds: 1000)))
        let error = await #expect(throws: LabrunError.self) { try await cluster.perform(action) }
        #expect(error?.id == ErrorID.actionNoTarget)
    }
}
