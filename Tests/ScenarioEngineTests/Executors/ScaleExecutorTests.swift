import Foundation
import LabrunCore
import Testing
@testable import ScenarioEngine
@testable import ScenarioModel

@Suite("ScaleExecutor")
struct ScaleExecutorTests {
    typealias K = KubeObjects

    @Test func patchesTheDeploymentsReplicasThenWaitsUntilEveryReplicaIsReady() async throws {
        let cluster = ExecutorFixture(api: [
            // Read once before the patch (2 replicas), then as patched (3).
            "GET \(K.deployments)/backend": [K.answer(K.workload("backend", replicas: 2)), K.answer(K.workload("backend", replicas: 3))],
            "PATCH \(K.deployments)/backend": [K.answer(K.workload("backend", replicas: 3))],
            "GET \(K.pods)": [
                K.answer(K.list([K.pod("a"), K.pod("b"), K.pod("c", ready: false)])),   // landed: 3 pods
                K.answer(K.list([K.pod("a"), K.pod("b"), K.pod("c", ready: false)])),   // 2/3 ready
                K.answer(K.list([K.pod("a"), K.pod("b"), K.pod("c")])),                 // all ready
            ],
        ])
        let outcome = try await cluster.perform(.scale(ScaleAction(workload: "backend", replicas: 3)))
        let patch = try #require(cluster.api.requests.first { $0.method == .patch })
        #expect(patch.headers["Content-Type"] == "application/merge-patch+json")
        #expect(String(decoding: patch.body ?? Data(), as: UTF8.self) == #"{"spec":{"replicas":3}}"#)
        #expect(outcome.faultLandedAt == 0)
        #expect(outcome.readyAt == 0.25)
        #expect(outcome.message == "scaled 2 → 3, all ready")
        #expect(cluster.timeline == ["backend: scaled 2 → 3"])
    }

    @Test func aStatefulSetIsPatchedAsOneAndWaitFalseReturnsOnceThePodsAreThere() async throws {
        let cluster = ExecutorFixture(api: [
            "GET \(K.statefulSets)/postgres": [K.answer(K.workload("postgres", kind: "StatefulSet", replicas: 1))],
            "PATCH \(K.statefulSets)/postgres": [K.answer(K.workload("postgres", kind: "StatefulSet", replicas: 0))],
            "GET \(K.pods)": [K.answer(K.list([K.pod("postgres-0", workload: "postgres", deleting: true)]))],
        ])
        let outcome = try await cluster.perform(.scale(ScaleAction(workload: "postgres", replicas: 0, wait: false)))
        #expect(cluster.paths(.patch) == ["\(K.statefulSets)/postgres?fieldManager=labrun"])
        #expect(outcome.readyAt == nil)
        #expect(outcome.message == "scaled to 0")
    }
}
