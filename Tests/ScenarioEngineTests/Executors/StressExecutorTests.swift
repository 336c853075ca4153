import ClusterProviders
import LabrunCore
import LabrunTestSupport
import Testing
@testable import ScenarioEngine
@testable import ScenarioModel

@Suite("StressExecutor")
struct StressExecutorTests {
    typealias K = KubeObjects
    static let id = "0123456789abcdef0123"
    static let path = "/kubepods/burstable/podabc/\(id)"
    static let memory = "/sys/fs/cgroup/memory" + path
    static let cpuacct = "/sys/fs/cgroup/cpuacct" + path
    /// The cgroup listing of a bare node's container process: v1 hierarchies, systemd's named one, the unified line.
    static let cgroups = """
        9:name=systemd:\(path)
        8:pids:\(path)
        4:memory:\(path)
        2:cpuacct:\(path)
        1:cpu:\(path)
        0::\(path)

        """

    /// backend-a (ready, on the bare node; restart count 0, then 1 with `reason`) and backend-b (not
    /// ready); its process 777 in the cgroups above, a 256 MiB limit, and `kills` read in turn from
    /// `memory.oom_control`. The stressor's log says `log` (by default: it joined as 4242, which
    /// `cgroup.procs` lists, and saw the OOM kill).
    func fixture(limit: String = "268435456", kills: [Int] = [0, 0, 1], reason: String? = "OOMKilled", exitCode: Int? = 137, restartsAfter: Int = 1,
                 provider: (any ClusterProvider)? = nil, log: String = Self.survived, running: Bool = true) -> ExecutorFixture {
        let runner = RecordingProcessRunner()
        runner.add(["docker", "inspect", "--format", "{{.State.Pid}}", Self.id], stdout: "777\n")
        runner.add(["cat", Platform.processCgroups("777")], stdout: Self.cgroups)
        runner.add(["cat", Self.memory + "/memory.limit_in_bytes"], stdout: limit + "\n")
        runner.add(["cat", Self.memory + "/memory.oom_control"],
                   inTurn: kills.map { ProcessOutput(exitCode: 0, standardOutput: "oom_kill_disable 0\nunder_oom 0\noom_kill \($0)\n", standardError: "") })
        runner.add(["cat", Self.memory + "/cgroup.procs"], stdout: "777\n4242\n")
        runner.addStarted(["python3"], log: log, running: running)
        var cluster = ExecutorFixture(api: [
            "GET \(K.deployments)/backend": [K.answer(K.workload("backend"))],
            "GET \(K.pods)": [K.answer(K.list([K.pod("backend-a", containerID: "docker://" + Self.id, node: BareProvider.firstNode),
                                               K.pod("backend-b", ready: false, containerID: "docker://ffff")]))],
            "GET \(K.pods)/backend-a": [K.answer(K.pod("backend-a", containerID: "docker://" + Self.id)),
                                        K.answer(K.pod("backend-a", containerID: "docker://" + Self.id, restarts: restartsAfter, lastReason: reason, lastExitCode: exitCode))],
        ], runner: runner)
        cluster.provider = provider ?? FakeNodeProvider()
        return cluster
    }

    static let survived = "exempt from the OOM killer\njoined 4242\nOOM kill seen after 157286400 bytes: memory given back\n"

    func memory(_ percent: Double = 150, seconds: Double = 30) -> Action {
        .stress(StressAction(target: .workload("backend"), container: "backend", resource: .memory, percent: percent,
                             duration: .seconds(seconds)))
    }

    /// The stressor's command: python3 with the script, then what to do and every v1 hierarchy's cgroup.procs.
    func stressorArguments(_ cluster: ExecutorFixture) -> [String]? {
        cluster.runner.commands.first { $0.executable == "python3" }.map { Array($0.arguments.dropFirst(2)) }
    }

    @Test func aBreachJoinsTheContainersCgroupsWaitsForTheOOMKillAndTheRestart() async throws {
        let cluster = fixture()
        let outcome = try await cluster.perform(memory())
        // 150 % of 256 MiB; the OOM kills of its memory cgroup watched; every v1 hierarchy but the named one joined.
        #expect(stressorArguments(cluster) == ["memory", "402653184", "30.000", Self.memory + "/memory.oom_control", Platform.ownOOMScoreAdjustment,
                                               "/sys/fs/cgroup/pids\(Self.path)/cgroup.procs", Self.memory + "/cgroup.procs",
                                               Self.cpuacct + "/cgroup.procs", "/sys/fs/cgroup/cpu\(Self.path)/cgroup.procs"])
        #expect(outcome.message == "breached the memory limit (memory: 150 % of the memory limit): the kernel OOM-killed backend-a/backend (OOMKilled), and the kubelet restarted it")
        #expect(outcome.faultLandedAt == 0.2)
        #expect(cluster.timeline.contains("backend-a: the kernel OOM-killed backend (its memory limit 256 MiB breached)"))
        #expect(cluster.timeline.contains("backend-a: restart count of backend went above 0 (OOMKilled)"))
        #expect(cluster.run.cleanup.names.isEmpty, "the stressor is no longer pending once stopped")
    }

    @Test func noOOMKillWithinTheDurationIsAFaultThatDidNotLandAndTheStressorIsStopped() async throws {
        let cluster = fixture(kills: [0])
        cluster.runner.add(["cat", Self.memory + "/memory.usage_in_bytes"], stdout: "209715200\n")
        let error = await #expect(throws: LabrunError.self) { try await cluster.perform(memory(seconds: 2)) }
        #expect(error?.id == ErrorID.faultNotLanded)
        #expect(error?.message.contains("no process of the container was OOM-killed within 2s (its limit 256 MiB, usage 200 MiB)") == true)
        #expect(cluster.run.cleanup.names.isEmpty)
    }

    /// CI, 7 December: the stressor joined, breached the limit and saw the kill before the first poll from
    /// here, and the container's cgroups were gone with it. Its own read-back of cgroup.procs is the join.
    @Test func aStressorThatReadItselfInTheCgroupsJoinedEvenIfItIsGoneBeforeThePoll() async throws {
        let cluster = fixture(log: "not exempt from the OOM killer: [Errno 13] Permission denied\njoined 4242 (listed in every cgroup.procs)\n"
                                + "OOM kill seen after 161480704 bytes: memory given back\n")
        cluster.runner.add(["cat", Self.memory + "/cgroup.procs"], stdout: "777\n")
        let outcome = try await cluster.perform(memory())
        #expect(outcome.message?.contains("the kernel OOM-killed backend-a/backend (OOMKilled)") == true)

        let missing = fixture(log: "joined 4242 (not listed in \(Self.memory)/cgroup.procs)\n")
        missing.runner.add(["cat", Self.memory + "/cgroup.procs"], stdout: "777\n")
        let error = await #expect(throws: LabrunError.self) { try await missing.perform(memory()) }
        #expect(error?.id == ErrorID.faultNotLanded)
        #expect(error?.message.contains("stressor 4242 not in \(Self.memory)/cgroup.procs") == true)
    }

    /// Without CAP_SYS_RESOURCE the stressor cannot exempt itself; when the OOM killer then picks it, the
    /// cgroup's count goes up all the same, but the container was not hit: not landed, and said why.
    @Test func anOOMKillOfTheStressorItselfIsAFaultThatDidNotLand() async throws {
        let cluster = fixture(reason: nil, restartsAfter: 0, log: "not exempt from the OOM killer: [Errno 13] Permission denied\njoined 4242\n", running: false)
        let error = await #expect(throws: LabrunError.self) { try await cluster.perform(memory()) }
        #expect(error?.id == ErrorID.faultNotLanded)
        #expect(error?.message.contains("the container was not restarted within 1m30s") == true)
        #expect(error?.message.contains("the OOM killer chose the stressor, not the container's process (the stressor could not exempt itself: no CAP_SYS_RESOURCE)") == true)
    }

    /// In CI the container's cgroup was gone before the count could be read: the runtime removes a dead
    /// container's cgroups (the stressor in them killed too). That is the kill; the kubelet confirms it.
    @Test func aCgroupGoneWithTheContainerIsTheKillTheKubeletConfirms() async throws {
        let cluster = fixture(kills: [0, 0], log: "not exempt from the OOM killer: [Errno 13] Permission denied\njoined 4242\n")
        cluster.runner.add(["cat", Self.memory + "/memory.oom_control"],
                           inTurn: [ProcessOutput(exitCode: 0, standardOutput: "oom_kill 0\n", standardError: ""),
                                    ProcessOutput(exitCode: 0, standardOutput: "oom_kill 0\n", standardError: ""),
                                    ProcessOutput(exitCode: 1, standardOutput: "", standardError: "No such file or directory")])
        let outcome = try await cluster.perform(memory())
        #expect(outcome.message?.contains("the kernel OOM-killed backend-a/backend (OOMKilled)") == true)
    }

    @Test func aRestartForAnotherReasonIsNotTheOOMKill() async throws {
        let cluster = fixture(reason: "Error", exitCode: 1)
        let error = await #expect(throws: LabrunError.self) { try await cluster.perform(memory()) }
        #expect(error?.id == ErrorID.faultNotLanded)
        #expect(error?.message.contains("the kubelet gives its end as \"Error\" (exit code 1), not OOMKilled") == true)
    }

    /// `labrun all`, 7 December: the kernel killed the backend's process (its cgroup counted it), the
    /// container exited 137, but the runtime handled the exit before the OOM event and said "Error".
    @Test func anErrorEndWithExitCode137AfterTheCgroupsKillIsTheOOMKill() async throws {
        let cluster = fixture(reason: "Error", exitCode: 137)
        let outcome = try await cluster.perform(memory())
        #expect(outcome.message?.contains("the kernel OOM-killed backend-a/backend (exit code 137; the runtime missed the OOM event and says \"Error\")") == true)
        #expect(StressExecutor.oomKillSeen(reason: "Completed", exitCode: 137) == nil)
        #expect(StressExecutor.oomKillSeen(reason: "Error", exitCode: nil) == nil)
    }

    @Test func pressureUpToTheLimitLandsWhenTheCgroupHoldsItAndIsHeldForTheDuration() async throws {
        let cluster = fixture(kills: [0])
        cluster.runner.add(["cat", Self.memory + "/memory.usage_in_bytes"],
                           inTurn: ["104857600", "157286400", "241172480"].map { ProcessOutput(exitCode: 0, standardOutput: $0 + "\n", standardError: "") })
        let outcome = try await cluster.perform(memory(50, seconds: 20))
        #expect(stressorArguments(cluster)?.prefix(2) == ["memory", "134217728"])
        #expect(outcome.readyAt == 20)
        #expect(outcome.message == "held memory: 50 % of the memory limit in backend-a/backend for 20s")
        #expect(cluster.timeline.contains("backend-a: backend's cgroup holds the stressor's 128 MiB"))
    }

    @Test func aContainerWithoutAMemoryLimitIsRefusedBeforeAnythingStarts() async throws {
        let cluster = fixture(limit: "9223372036854771712")
        let error = await #expect(throws: LabrunError.self) { try await cluster.perform(memory()) }
        #expect(error?.id == ErrorID.actionFailed)
        #expect(error?.message.contains("container backend-a/backend has no memory limit") == true)
        #expect(stressorArguments(cluster) == nil)
    }

    @Test func aStressorThatNeverJoinsIsReportedWithWhatItSaid() async throws {
        let cluster = fixture(log: "", running: false)
        let error = await #expect(throws: LabrunError.self) { try await cluster.perform(memory()) }
        #expect(error?.id == ErrorID.actionFailed)
        #expect(error?.message.contains("ended before it joined the container's cgroups: it printed nothing") == true)
        #expect(cluster.run.cleanup.names.isEmpty)
    }

    @Test func cpuWorkersLandWhenTheCgroupsCPUTimeGrows() async throws {
        let cluster = fixture()
        cluster.runner.add(["cat", Self.cpuacct + "/cpuacct.usage"],
                           inTurn: ["5000000000", "5050000000", "5400000000", "9000000000"].map { ProcessOutput(exitCode: 0, standardOutput: $0 + "\n", standardError: "") })
        let outcome = try await cluster.perform(.stress(StressAction(target: .workload("backend"), resource: .cpu, workers: 2, duration: .seconds(10))))
        #expect(stressorArguments(cluster)?.prefix(3) == ["cpu", "2", "10.000"])
        #expect(outcome.message == "ran cpu: 2 busy worker(s) in backend-a/backend for 10s (backend-a/backend used 4.0 s of CPU)")
        #expect(cluster.timeline.contains("backend-a: 2 busy worker(s) run in backend's cgroup"))
    }

    @Test func aProviderWhoseCgroupsAreNotThisHostsIsRefused() async throws {
        let cluster = fixture(provider: FakeProvider(kind: .existing))
        let error = await #expect(throws: LabrunError.self) { try await cluster.perform(memory()) }
        #expect(error?.id == ErrorID.runtimeUnsupported)
        #expect(error?.message.contains("reaches the containers' cgroups from the host") == true)
    }

    @Test func cgroupListingsKeepTheV1HierarchiesOnly() {
        let parsed = StressExecutor.parseCgroups("12:name=systemd:/a\n3:cpu,cpuacct:/kubepods/x\n0::/kubepods/x\n2:memory:/../etc\n1:blkio:relative\n")
        #expect(parsed.map(\.directory) == ["/sys/fs/cgroup/cpu,cpuacct/kubepods/x"])
        #expect(parsed.first?.controllers == ["cpu", "cpuacct"])
    }
}
