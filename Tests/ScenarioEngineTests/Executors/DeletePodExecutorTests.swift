import LabrunCore
import Testing
@testable import ScenarioEngine
@testable import ScenarioModel

@Suite("DeletePodExecutor")
struct DeletePodExecutorTests {
    typealias K = KubeObjects

    /// backend's pods: `a`, `b` and `c`, oldest first, then what the API lists after the delete.
    func fixture(after: [[JSONValue]]) -> ExecutorFixture {
        let before = [K.pod("c", created: 3), K.pod("a", created: 1), K.pod("b", created: 2)]
        return ExecutorFixture(api: [
            "GET \(K.deployments)/backend": [K.answer(K.workload("backend", replicas: 3))],
            "GET \(K.pods)": ([before] + after).map { K.answer(K.list($0)) },
            "DELETE \(K.pods)/a": [K.answer([:])],
            "DELETE \(K.pods)/b": [K.answer([:])],
        ])
    }

    @Test func deletesTheOldestWithTheGraceAndLandsWhenNewUIDsReplaceThem() async throws {
        let cluster = fixture(after: [
            [K.pod("a", created: 1, deleting: true), K.pod("b", created: 2), K.pod("c", created: 3)],   // b not yet terminating
            [K.pod("c", created: 3)],                                                                   // gone, not yet replaced
            [K.pod("c", created: 3), K.pod("d", created: 9), K.pod("e", created: 9)],                   // two new UIDs
        ])
        let outcome = try await cluster.perform(.deletePod(DeletePodAction(target: .workload("backend"), count: 2, pick: .oldest,
                                                                           grace: .seconds(5))))
        #expect(cluster.paths(.delete) == ["\(K.pods)/a?gracePeriodSeconds=5", "\(K.pods)/b?gracePeriodSeconds=5"])
        #expect(cluster.paths(.get).contains { $0.hasPrefix(K.pods + "?labelSelector=app%3Dbackend") })
        #expect(outcome.faultLandedAt == 0.5)   // polled at 0, 0.25 and 0.5
        #expect(outcome.message == "deleted a, b; replacement pod(s) with new UID created")
        #expect(cluster.timeline == ["a: deleted (graceful, grace 5s)", "b: deleted (graceful, grace 5s)"])
    }

    @Test func theNewestAreChosenAndAForcedDeleteHasGraceZero() async throws {
        let cluster = ExecutorFixture(api: [
            "GET \(K.deployments)/backend": [K.answer(K.workload("backend", replicas: 3))],
            "GET \(K.pods)": [K.answer(K.list([K.pod("a", created: 1), K.pod("b", created: 2), K.pod("c", created: 3)])),
                              K.answer(K.list([K.pod("a", created: 1), K.pod("b", created: 2), K.pod("d", created: 9)]))],
            "DELETE \(K.pods)/c": [K.answer([:])],
        ])
        let outcome = try await cluster.perform(.deletePod(DeletePodAction(target: .workload("backend"), pick: .newest, force: true)))
        #expect(cluster.paths(.delete) == ["\(K.pods)/c?gracePeriodSeconds=0"])
        #expect(cluster.timeline == ["c: deleted (forced, grace 0)"])
        #expect(outcome.faultLandedAt == 0)
    }

    @Test func podsMatchedByLabelsAreListedWithThoseLabels() async throws {
        let cluster = ExecutorFixture(api: [
            "GET \(K.pods)": [K.answer(K.list([K.pod("a")])), K.answer(K.list([K.pod("z")]))],
            "DELETE \(K.pods)/a": [K.answer([:])],
        ])
        _ = try await cluster.perform(.deletePod(DeletePodAction(target: .labels(["tier": "web", "app": "backend"]))))
        #expect(cluster.paths(.get).first == K.pods + "?labelSelector=app%3Dbackend%2Ctier%3Dweb")
    }

    @Test func tooFewRunningPodsIsAnErrorAndNothingIsDeleted() async throws {
        let cluster = ExecutorFixture(api: [
            "GET \(K.deployments)/backend": [K.answer(K.workload("backend", replicas: 2))],
            "GET \(K.pods)": [K.answer(K.list([K.pod("a"), K.pod("b", deleting: true)]))],
        ])
        let error = await #expect(throws: LabrunError.self) {
            try await cluster.perform(.deletePod(DeletePodAction(target: .workload("backend"), count: 2)))
        }
        #expect(error?.id == ErrorID.actionNoTarget)
        #expect(error?.message.hasPrefix("deletePod wanted 2 pod(s) of") == true)
        #expect(error?.message.hasSuffix("but found 1 running.") == true)
        #expect(cluster.paths(.delete).isEmpty)
    }
}
