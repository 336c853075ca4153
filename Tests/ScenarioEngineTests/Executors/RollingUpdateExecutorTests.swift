import Foundation
import LabrunCore
import Testing
@testable import ScenarioEngine
@testable import ScenarioModel

@Suite("RollingUpdateExecutor")
struct RollingUpdateExecutorTests {
    typealias K = KubeObjects

    /// backend at generation 4 with one ReplicaSet; once patched, generation 5 observed and a second ReplicaSet.
    func fixture(pods: [[JSONValue]]) -> ExecutorFixture {
        ExecutorFixture(api: [
            "GET \(K.deployments)/backend": [
                K.answer(K.workload("backend", replicas: 2, generation: 4, status: K.rolledOut(2, generation: 4))),
                K.answer(K.workload("backend", replicas: 2, generation: 5, status: K.rolledOut(2, generation: 5))),
            ],
            "PATCH \(K.deployments)/backend": [K.answer(K.workload("backend", replicas: 2, generation: 5))],
            "GET \(K.replicaSets)": [K.answer(K.list([K.replicaSet("backend-old", replicas: 2)])),
                                     K.answer(K.list([K.replicaSet("backend-old", replicas: 2), K.replicaSet("backend-new", replicas: 1)]))],
            "GET \(K.pods)": pods.map { K.answer(K.list($0)) },
        ])
    }

    @Test func thePatchCarriesTheStacksVersionVariableAndAnnotationThenWaitsForTheRollout() async throws {
        let cluster = fixture(pods: [[K.pod("a"), K.pod("b", ready: false)], [K.pod("a"), K.pod("b")]])
        let outcome = try await cluster.perform(.rollingUpdate(RollingUpdateAction(workload: "backend", toVersion: "v2",
                                                                                   env: ["FEATURE": "on", "BROKEN": "1"])))
        let patch = try #require(cluster.api.requests.first { $0.method == .patch })
        #expect(patch.headers["Content-Type"] == "application/strategic-merge-patch+json")
        // The stack file's version variable (APP_VERSION) first, then the extra env sorted by name.
        let expected: JSONValue = ["spec": ["template": [
            "metadata": ["annotations": ["labrun.dev/version": "v2"]],
            "spec": ["containers": [["name": "backend", "env": [
                ["name": "APP_VERSION", "value": "v2"], ["name": "BROKEN", "value": "1"], ["name": "FEATURE", "value": "on"],
            ]]]],
        ]]]
        #expect(try JSONValue.parse(patch.body ?? Data()) == expected)
        #expect(outcome.faultLandedAt == 0)
        #expect(outcome.readyAt == 0.25)   // b became ready at the second poll
        #expect(outcome.message == "rollout to v2 started (a new ReplicaSet) and finished in \(formatSeconds(0.25))")
        #expect(cluster.timeline == ["backend: rolling update to v2 with BROKEN, FEATURE changed requested"])
    }

    @Test func withoutWaitItReturnsOnceTheNewReplicaSetIsThere() async throws {
        let cluster = fixture(pods: [[K.pod("a", ready: false)]])
        let outcome = try await cluster.perform(.rollingUpdate(RollingUpdateAction(workload: "backend", toVersion: "v2", wait: false)))
        #expect(outcome.readyAt == nil)
        #expect(outcome.message == "rollout to v2 started")
        #expect(cluster.paths(.get).filter { $0.hasPrefix(K.pods) }.isEmpty)
    }
}
