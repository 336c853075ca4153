import HTTPClient
import LabrunCore
import Testing
@testable import ScenarioEngine
@testable import ScenarioModel

@Suite("RestartDatabaseExecutor")
struct RestartDatabaseExecutorTests {
    typealias K = KubeObjects

    static func postgres(uid: String, ready: Bool = true, deleting: Bool = false, claims: [String] = ["data-postgres-0"]) -> JSONValue {
        K.pod("postgres-0", uid: uid, workload: "postgres", ready: ready, deleting: deleting, container: "postgres", claims: claims)
    }

    /// The todo stack's database (postgres, a StatefulSet) with one pod; `podAnswers` are what reading that pod returns in turn.
    func fixture(claims: [String] = ["data-postgres-0"], podAnswers: [HTTPResponse]) -> ExecutorFixture {
        ExecutorFixture(api: [
            "GET \(K.statefulSets)/postgres": [K.answer(K.workload("postgres", kind: "StatefulSet", container: "postgres"))],
            "GET \(K.pods)": [K.answer(K.list([Self.postgres(uid: "u1", claims: claims)]))],
            "DELETE \(K.pods)/postgres-0": [K.answer([:])],
            "GET \(K.pods)/postgres-0": podAnswers,
        ])
    }

    @Test func refusesAStackWithoutADatabaseRole() async throws {
        var cluster = ExecutorFixture()
        cluster.stack.workloads = cluster.stack.workloads.map { workload in
            var changed = workload
            if changed.role == .database { changed.role = nil }
            return changed
        }
        let error = await #expect(throws: LabrunError.self) {
            try await cluster.perform(.restartPostgres(RestartPostgresAction()))
        }
        #expect(error?.id == ErrorID.actionNoTarget)
        #expect(error?.exitCode == ExitCode.invalidInput)
        #expect(error?.message.contains("gives no workload the role database") == true)
        #expect(cluster.calls.isEmpty)
    }

    @Test func deletesThePodThenWaitsForANewUIDAndReadinessWithTheSameVolume() async throws {
        let cluster = fixture(podAnswers: [
            K.answer(Self.postgres(uid: "u1", deleting: true)),   // landed: terminating
            K.answer(Self.postgres(uid: "u1", deleting: true)),   // old pod still terminating
            K.notFound,                                           // gone, not yet recreated
            K.answer(Self.postgres(uid: "u2", ready: false)),     // replaced (new UID)
            K.answer(Self.postgres(uid: "u2", ready: false)),     // not ready
            K.answer(Self.postgres(uid: "u2")),                   // ready
        ])
        let outcome = try await cluster.perform(.restartPostgres(RestartPostgresAction()))
        #expect(cluster.paths(.delete) == ["\(K.pods)/postgres-0"])
        #expect(outcome.faultLandedAt == 0)
        #expect(outcome.readyAt == 0.75)
        #expect(outcome.message == "postgres pod postgres-0 replaced (new UID), same volume data-postgres-0, ready")
        #expect(cluster.timeline == ["postgres-0: deleted keeping data-postgres-0"])
        #expect(cluster.run.likelyCauses.isEmpty)
    }

    @Test func aPodWithoutAClaimIsNotedAsTheLikelyCauseOfLostData() async throws {
        let cluster = fixture(claims: [], podAnswers: [K.notFound, K.answer(Self.postgres(uid: "u2", claims: []))])
        let outcome = try await cluster.perform(.restartPostgres(RestartPostgresAction(force: true)))
        #expect(cluster.paths(.delete) == ["\(K.pods)/postgres-0?gracePeriodSeconds=0"])
        #expect(cluster.run.likelyCauses == ["postgres has no persistent volume (its pod mounts no PersistentVolumeClaim), so its data lives in the pod and is lost when the pod is replaced"])
        #expect(cluster.timeline == ["postgres-0: postgres mounts no PersistentVolumeClaim: its data will not survive the restart",
                                     "postgres-0: deleted (forced) keeping no volume"])
        #expect(outcome.message == "postgres pod postgres-0 replaced (new UID), no volume, ready")
    }

    @Test func comingBackWithAnotherVolumeIsAnError() async throws {
        let cluster = fixture(podAnswers: [K.notFound, K.answer(Self.postgres(uid: "u2", claims: ["other"]))])
        let error = await #expect(throws: LabrunError.self) {
            try await cluster.perform(.restartPostgres(RestartPostgresAction()))
        }
        #expect(error?.id == ErrorID.volumeChanged)
    }
}
