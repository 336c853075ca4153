import LabrunCore
import Testing
@testable import ScenarioEngine
@testable import ScenarioModel

@Suite("WaitExecutor")
struct WaitExecutorTests {
    typealias K = KubeObjects

    @Test func aDurationSleepsOnTheRunsClock() async throws {
        let cluster = ExecutorFixture()
        let outcome = try await cluster.perform(.wait(.duration(.seconds(30))))
        #expect(cluster.clock.now() == 30)
        #expect(outcome.message == "waited 30s")
        #expect(cluster.calls.isEmpty)
    }

    @Test func workloadReadyPollsUntilEveryReplicaIsReady() async throws {
        let cluster = ExecutorFixture(api: [
            "GET \(K.deployments)/backend": [K.answer(K.workload("backend", replicas: 2))],
            "GET \(K.pods)": [K.answer(K.list([K.pod("a"), K.pod("b", ready: false)])),
                              K.answer(K.list([K.pod("a"), K.pod("b"), K.pod("c")])),
                              K.answer(K.list([K.pod("a"), K.pod("b")]))],
        ])
        let outcome = try await cluster.perform(.wait(.condition(.workloadReady("backend"))))
        #expect(outcome.readyAt == 0.5)   // 1/2 ready, then a pod too many, then whole
        #expect(outcome.message == "backend ready")
    }

    @Test func rolloutCompletePollsUntilTheDeploymentIsRolledOut() async throws {
        let cluster = ExecutorFixture(api: [
            "GET \(K.deployments)/backend": [
                K.answer(K.workload("backend", replicas: 2, generation: 2, status: K.rolledOut(1, generation: 2))),
                K.answer(K.workload("backend", replicas: 2, generation: 2, status: K.rolledOut(2, generation: 2))),
            ],
            "GET \(K.pods)": [K.answer(K.list([K.pod("a"), K.pod("b")]))],
        ])
        let outcome = try await cluster.perform(.wait(.condition(.rolloutComplete("backend"))))
        #expect(outcome.readyAt == 0.25)
        #expect(outcome.message == "backend rolled out")
    }

    @Test func anHTTPConditionPollsTheDriversCheckEveryHalfSecond() async throws {
        let answers = Counter()
        var cluster = ExecutorFixture()
        cluster.check = { assertion in
            let number = answers.increment()
            return number < 3 ? .failed(assertion.name, kind: "http", "status 503") : .passed(assertion.name, kind: "http", "ok")
        }
        let check = HTTPCheck(request: HTTPRequestSpec(path: "/readyz"))
        let outcome = try await cluster.perform(.wait(.condition(.http(check))))
        #expect(outcome.readyAt == 1.0)   // failed at 0 and 0.5, passed at the third poll
        #expect(outcome.message == "GET /readyz answers")
    }

    /// `replicas`: what an autoscaler decides, polled until the bounds hold; a pod not Ready yet does
    /// not count towards `atLeast`.
    @Test func replicasPollsUntilTheWorkloadHasTheBoundsReady() async throws {
        let cluster = ExecutorFixture(api: [
            "GET \(K.deployments)/backend": [K.answer(K.workload("backend", replicas: 4))],
            "GET \(K.pods)": [K.answer(K.list([K.pod("a"), K.pod("b"), K.pod("c")])),
                              K.answer(K.list([K.pod("a"), K.pod("b"), K.pod("c"), K.pod("d", ready: false)])),
                              K.answer(K.list([K.pod("a"), K.pod("b"), K.pod("c"), K.pod("d")]))],
        ])
        let outcome = try await cluster.perform(.wait(.condition(.replicas(ReplicaBounds(workload: "backend", atLeast: 4)))))
        #expect(outcome.readyAt == 0.5)
        #expect(outcome.message == "backend has at least 4 ready replicas (4 ready)")
    }

    /// A scale that never comes names what the workload's autoscaler reports: here the reason it
    /// cannot compute a utilization at all.
    @Test func aReplicasWaitThatTimesOutNamesWhatTheAutoscalerSays() async throws {
        let scaler: JSONValue = [
            "metadata": ["name": "backend"],
            "spec": ["scaleTargetRef": ["kind": "Deployment", "name": "backend"]],
            "status": ["currentReplicas": 3, "desiredReplicas": 0, "conditions": [
                ["type": "AbleToScale", "status": "True", "reason": "SucceededGetScale", "message": "ok"],
                ["type": "ScalingActive", "status": "False", "reason": "FailedGetResourceMetric",
                 "message": "the HPA was unable to compute the replica count: failed to get cpu utilization: missing request for cpu"],
            ]],
        ]
        let other: JSONValue = ["metadata": ["name": "frontend"], "spec": ["scaleTargetRef": ["kind": "Deployment", "name": "frontend"]]]
        let resources: JSONValue = ["kind": "APIResourceList", "groupVersion": "autoscaling/v2beta2", "resources": [
            ["name": "horizontalpodautoscalers", "namespaced": true, "kind": "HorizontalPodAutoscaler", "verbs": ["get", "list"]],
        ]]
        let cluster = ExecutorFixture(api: [
            "GET \(K.deployments)/backend": [K.answer(K.workload("backend", replicas: 3))],
            "GET \(K.pods)": [K.answer(K.list([K.pod("a"), K.pod("b"), K.pod("c")]))],
            "GET /apis/autoscaling/v2beta2": [K.answer(resources)],
            "GET /apis/autoscaling/v2beta2/namespaces/lab/horizontalpodautoscalers": [K.answer(K.list([other, scaler]))],
        ])
        let deadline = cluster.clock.now() + 5
        let error = await #expect(throws: LabrunError.self) {
            try await OperationTimeout.$deadline.withValue(deadline) {
                _ = try await cluster.perform(.wait(.condition(.replicas(ReplicaBounds(workload: "backend", atLeast: 4)))))
            }
        }
        let message = error?.message ?? ""
        #expect(message.contains("3 ready, wanted at least 4; HorizontalPodAutoscaler backend: 3 replicas, no desired count, "
                                 + "ScalingActive False FailedGetResourceMetric: the HPA was unable to compute the replica count: "
                                 + "failed to get cpu utilization: missing request for cpu"), "\(message)")
        #expect(!message.contains("frontend") && !message.contains("AbleToScale"), "\(message)")
    }

    @Test func replicaBoundsSayWhatIsMissing() {
        let both = ReplicaBounds(workload: "backend", atLeast: 4, atMost: 6)
        #expect(both.unmet(ready: 4, present: 6) == nil)
        #expect(both.unmet(ready: 3, present: 7) == "3 ready, wanted at least 4; 7 pods, wanted at most 6")
        #expect(ReplicaBounds(workload: "backend", atMost: 3).unmet(ready: 0, present: 4) == "4 pods, wanted at most 3")
        #expect([both.wanted, ReplicaBounds(workload: "b", atMost: 3).wanted] == ["4 to 6 replicas", "at most 3 replicas"])
    }
}
