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
}
