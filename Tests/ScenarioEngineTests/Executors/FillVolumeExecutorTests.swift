import ClusterProviders
import LabrunCore
import LabrunTestSupport
import Testing
@testable import ScenarioEngine
@testable import ScenarioModel

@Suite("FillVolumeExecutor")
struct FillVolumeExecutorTests {
    typealias K = KubeObjects
    static let claims = "/api/v1/namespaces/lab/persistentvolumeclaims"
    static let volumes = "/api/v1/persistentvolumes"
    static let path = "/var/lib/labrun/bare/volumes/lab-data-backend-a-1234"
    static let filled = #"{"total": 1056858112, "freeBefore": 1020000000, "written": 1019998208, "free": 0}"#
    static let freed = #"{"removed": 1019998208, "free": 1020000000}"#

    /// backend-a (ready, claim data-backend-a bound to pv-1 at `path`) and backend-b (not ready); the
    /// filler answers `fill` with `fill` and `free` with `freed`.
    func fixture(fill: String = Self.filled, volume: JSONValue? = nil, provider: (any ClusterProvider)? = nil) -> ExecutorFixture {
        let runner = RecordingProcessRunner()
        runner.add(["python3", "-c", FillVolumeExecutor.filler, "fill"], stdout: fill + "\n")
        runner.add(["python3", "-c", FillVolumeExecutor.filler, "free"], stdout: Self.freed + "\n")
        let persistentVolume = volume ?? ["metadata": ["name": "pv-1"], "spec": ["hostPath": ["path": .string(Self.path)]]]
        var cluster = ExecutorFixture(api: [
            "GET \(K.deployments)/backend": [K.answer(K.workload("backend"))],
            "GET \(K.pods)": [K.answer(K.list([K.pod("backend-a", claims: ["data-backend-a"]), K.pod("backend-b", ready: false)]))],
            "GET \(Self.claims)/data-backend-a": [K.answer(["metadata": ["name": "data-backend-a"], "spec": ["volumeName": "pv-1"]])],
            "GET \(Self.volumes)/pv-1": [K.answer(persistentVolume)],
        ], runner: runner)
        cluster.provider = provider ?? FakeNodeProvider()
        return cluster
    }

    func fill(_ volume: String = "data") -> Action {
        .fillVolume(FillVolumeAction(target: .workload("backend"), volume: volume, duration: .seconds(20)))
    }

    /// The filler's runs: its mode and the volume's path (after `python3 -c SCRIPT`).
    func fillerRuns(_ cluster: ExecutorFixture) -> [[String]] {
        cluster.runner.commands.filter { $0.executable == "python3" }.map { Array($0.arguments.dropFirst(2)) }
    }

    @Test func fillsTheClaimsVolumeOnTheHostHoldsItFullAndFreesIt() async throws {
        let cluster = fixture()
        let outcome = try await cluster.perform(fill())
        #expect(fillerRuns(cluster) == [["fill", Self.path, ".labrun-fill-lab"], ["free", Self.path, ".labrun-fill-lab"]])
        #expect(outcome.faultLandedAt == 0)
        #expect(outcome.readyAt == 20)
        #expect(outcome.message == "filled volume data of backend-a (1007.9 MiB, 972.7 MiB written) to the last block for 20s, then freed it")
        #expect(cluster.timeline.contains("volume data of backend-a: full: no block left (972.7 MiB written) for 20s"))
        #expect(cluster.timeline.contains("volume data of backend-a: freed: volume data of backend-a: 972.7 MiB removed, 972.7 MiB free"))
        #expect(cluster.run.cleanup.names.isEmpty, "nothing left to free once freed")
    }

    @Test func aVolumeThatIsNotAFilesystemOfItsOwnIsRefusedAndNothingIsFilled() async throws {
        let cluster = fixture(fill: #"{"error": "not a filesystem of its own"}"#)
        let error = await #expect(throws: LabrunError.self) { try await cluster.perform(fill()) }
        #expect(error?.id == ErrorID.actionFailed)
        #expect(error?.message.contains("is a directory on the node's disk, not a filesystem of its own, so filling it would fill the node's disk") == true)
        #expect(cluster.run.cleanup.names.isEmpty)
    }

    @Test func spaceLeftAfterTheFillIsAFaultThatDidNotLandAndTheFileIsRemoved() async throws {
        let cluster = fixture(fill: #"{"total": 1056858112, "freeBefore": 1020000000, "written": 1000000000, "free": 20000000}"#)
        let error = await #expect(throws: LabrunError.self) { try await cluster.perform(fill()) }
        #expect(error?.id == ErrorID.faultNotLanded)
        #expect(error?.message.contains("its filesystem still has 19.1 MiB free") == true)
        #expect(fillerRuns(cluster).map(\.first) == ["fill", "free"])
        #expect(cluster.run.cleanup.names.isEmpty)
    }

    @Test func aVolumeThePodDoesNotHaveIsRefusedNamingItsVolumes() async throws {
        let cluster = fixture()
        let error = await #expect(throws: LabrunError.self) { try await cluster.perform(fill("logs")) }
        #expect(error?.id == ErrorID.actionFailed)
        #expect(error?.message == "fillVolume: pod backend-a has no volume \"logs\" (its volumes: data).")
        #expect(fillerRuns(cluster).isEmpty)
    }

    @Test func aVolumeNotOnThisHostIsUnsupported() async throws {
        let cluster = fixture(volume: ["metadata": ["name": "pv-1"], "spec": ["csi": ["driver": "ebs.csi.aws.com"]]])
        let error = await #expect(throws: LabrunError.self) { try await cluster.perform(fill()) }
        #expect(error?.id == ErrorID.runtimeUnsupported)
        #expect(error?.message.contains("PersistentVolume pv-1 (claim data-backend-a) is no hostPath or local volume of this host") == true)
        #expect(fillerRuns(cluster).isEmpty)
    }

    @Test func aProviderWithoutTheHostIsUnsupported() async throws {
        let cluster = fixture(provider: FakeProvider(kind: .minikube))
        let error = await #expect(throws: LabrunError.self) { try await cluster.perform(fill()) }
        #expect(error?.id == ErrorID.runtimeUnsupported)
        #expect(fillerRuns(cluster).isEmpty)
    }
}
