import Foundation
import LabrunCore
import Testing
@testable import ScenarioEngine
@testable import ScenarioModel

/// The runner's orchestration with a fake driver: phase order, try/catch/finally, cleanup in reverse
/// on success, failure, timeout and cancellation, per-step timeouts. Time is a manual clock.
@Suite struct ScenarioRunnerTests {
    static let identity: @Sendable (Scenario, RunOptions) -> RunIdentity = { scenario, _ in
        RunIdentity.fresh(scenario: scenario.name, id: "abc123")
    }

    func runner(_ driver: FakeScenarioDriver, directory: String = NSTemporaryDirectory()) -> ScenarioRunner {
        ScenarioRunner(driver: driver, clock: YieldingClock(), options: RunOptions(reportDirectory: directory),
                       pollInterval: 1, makeIdentity: Self.identity)
    }

    static func check(_ name: String) -> Assertion {
        Assertion(name: name, .http(HTTPAssertion(check: HTTPCheck(request: HTTPRequestSpec(path: "/readyz")))))
    }

    static func scenario(steps: [Step], steady: Bool = true, assertions: [Assertion] = [], cleanup: [StepOperation] = [],
                         timeout: ScenarioDuration = .seconds(600)) -> Scenario {
        Scenario(metadata: ScenarioMetadata(name: "fake-run", description: "a scenario for the fake driver", timeout: timeout),
                 steadyState: steady ? SteadyState(timeout: .seconds(10), recovery: .seconds(10), checks: [check("ready")]) : nil,
                 steps: steps, assertions: assertions, cleanup: cleanup)
    }

    static func step(_ name: String, _ actions: [Action], catching: [Action] = [], finally: [Action] = [],
                     timeout: ScenarioDuration = .seconds(600), continueOnError: Bool = false) -> Step {
        Step(name: name, timeout: timeout, tryOperations: actions.map { StepOperation($0) },
             catchOperations: catching.map { StepOperation($0) }, finallyOperations: finally.map { StepOperation($0) },
             continueOnError: continueOnError)
    }

    static let deletePod = Action.deletePod(DeletePodAction(target: .workload("backend")))
    static let scale = Action.scale(ScaleAction(workload: "backend", replicas: 4))
    static let diagnostics = Action.collectDiagnostics(CollectDiagnosticsAction())
    static func pause(_ seconds: Double) -> Action { .wait(.duration(.seconds(seconds))) }

    @Test func phasesRunInOrderAndCleanupUnwindsInReverse() async {
        let driver = FakeScenarioDriver()
        let scenario = Self.scenario(steps: [Self.step("kill", [Self.deletePod, Self.pause(5)]), Self.step("grow", [Self.scale])],
                                     assertions: [Self.check("api answers")])
        let result = await runner(driver).run(scenario)
        #expect(result.verdict == .passed, "\(result.abortReason ?? "")")
        #expect(driver.log == [
            "sweep", "prepare", "check ready",
            "kill: deletePod", "kill: wait 5s", "grow: scale",
            "check ready", "check ready", "check api answers",
            "undo port-forwards", "undo namespace",
        ])
        #expect(result.steps.map(\.name) == ["kill", "grow"])
        #expect(result.namespace == "labrun-fake-run-abc123")
        #expect(result.cleanup.map(\.action) == ["stop port-forwards", "delete namespace labrun-fake-run-abc123"])
        let phases = result.timeline.filter { $0.kind == .phase }.map(\.subject)
        #expect(phases == ["setup", "steady-state-before", "during", "recovery", "steady-state-after", "assertions", "cleanup"])
    }

    @Test func aFailedTryRunsCatchAndFinallyThenStopsAndCleansUp() async {
        let driver = FakeScenarioDriver()
        driver.behaviours["scale"] = .fail("the API server refused the scale")
        let scenario = Self.scenario(steps: [
            Self.step("grow", [Self.scale, Self.deletePod], catching: [Self.diagnostics], finally: [Self.pause(1)]),
            Self.step("never", [Self.deletePod]),
        ], assertions: [Self.check("api answers")])
        let result = await runner(driver).run(scenario)
        #expect(result.verdict == .failed)
        #expect(result.abortReason?.contains("step grow failed: the API server refused the scale") == true)
        #expect(driver.log.contains("grow: deletePod") == false, "the try list stops at the failed operation")
        #expect(driver.log.contains("never: deletePod") == false, "later steps do not run")
        #expect(result.steps.first?.operations.map(\.block) == ["try", "catch", "finally"])
        #expect(result.assertions.allSatisfy { $0.verdict == .skipped })
        #expect(driver.log.suffix(2) == ["undo port-forwards", "undo namespace"])
        #expect(driver.log.contains { $0.hasPrefix("diagnostics (the run failed") })
        #expect(result.artifacts == ["fake-run/events.txt"])
    }

    @Test func finallyRunsOnSuccessAndCatchDoesNot() async {
        let driver = FakeScenarioDriver()
        let scenario = Self.scenario(steps: [Self.step("ok", [Self.scale], catching: [Self.diagnostics], finally: [Self.pause(2)])])
        let result = await runner(driver).run(scenario)
        #expect(result.verdict == .passed)
        #expect(result.steps.first?.operations.map(\.block) == ["try", "finally"])
        #expect(!driver.log.contains { $0.hasPrefix("diagnostics") })
    }

    @Test func continueOnErrorRecordsTheFailureAndGoesOn() async {
        let driver = FakeScenarioDriver()
        driver.behaviours["scale"] = .fail("no")
        let scenario = Self.scenario(steps: [Self.step("soft", [Self.scale], continueOnError: true), Self.step("next", [Self.deletePod])])
        let result = await runner(driver).run(scenario)
        #expect(driver.log.contains("next: deletePod"))
        #expect(result.steps.map(\.verdict) == [.failed, .passed])
        #expect(result.verdict == .failed)
    }

    /// A fault whose selector matched no pod never landed: the run ends as `faultNotLanded`, not passed
    /// and not an ordinary failure, and says what to check.
    @Test func aFaultWithNothingToActOnDidNotLand() async {
        let driver = FakeScenarioDriver()
        driver.behaviours["deletePod"] = .noTarget("deletePod wanted 1 pod(s) of {app: nothing} but found 0 running.")
        let scenario = Self.scenario(steps: [Self.step("kill", [Self.deletePod])], assertions: [Self.check("api answers")])
        let result = await runner(driver).run(scenario)
        #expect(result.verdict == .faultNotLanded)
        #expect(result.steps.first?.message?.hasPrefix("the fault had nothing to act on, so it did not land: deletePod wanted 1 pod(s)") == true)
        #expect(result.steps.first?.message?.contains("matches running pods of the stack") == true)
        #expect(result.assertions.allSatisfy { $0.verdict == .skipped })
    }

    /// A node fault needs a second node; on a cluster of one the run is skipped before anything is
    /// deployed, saying why and how to get one, and it counts neither as passed nor as failed.
    @Test func aNodeFaultOnASingleNodeClusterIsSkippedBeforeAnythingIsDeployed() async {
        let stop = Action.nodeFault(NodeFaultAction(mode: .stop, node: .nodeOf(.workload("backend")), duration: .seconds(30)))
        let scenario = Self.scenario(steps: [Self.step("lose-node", [stop])], assertions: [Self.check("api answers")])
        #expect(scenario.minimumNodes == 2 && scenario.isExclusive)
        let driver = FakeScenarioDriver()
        let result = await runner(driver).run(scenario)
        #expect(result.verdict == .skipped)
        #expect(result.abortReason?.contains("needs 2 Ready nodes that accept pods (it faults a node), and the cluster has 1 (node-1)") == true)
        #expect(result.abortReason?.contains("cluster/bare/up --nodes 2") == true)
        #expect(!driver.log.contains("prepare") && !driver.log.contains("lose-node: nodeFault"))

        let twoNodes = FakeScenarioDriver()
        twoNodes.nodes = ["node-1", "node-2"]
        let ran = await runner(twoNodes).run(scenario)
        #expect(ran.verdict == .passed, "\(ran.abortReason ?? "")")
        #expect(twoNodes.log.contains("lose-node: nodeFault"))
        #expect(Self.scenario(steps: [Self.step("kill", [Self.deletePod])]).minimumNodes == 1)
    }

    /// A fault that was never verified ends the run with its own verdict — not passed, not an
    /// ordinary failure — even under continueOnError, and the assertions are not evaluated.
    @Test func aFaultThatDidNotLandEndsTheRunWithThatVerdict() async {
        let driver = FakeScenarioDriver()
        let cut = Action.networkFault(NetworkFaultAction(workload: "postgres", mode: .cut, duration: .seconds(5)))
        driver.behaviours["networkFault"] = .notLanded("the cut did not land")
        let scenario = Self.scenario(steps: [Self.step("partition", [cut], continueOnError: true), Self.step("next", [Self.deletePod])],
                                     assertions: [Self.check("api answers")])
        let result = await runner(driver).run(scenario)
        #expect(result.verdict == .faultNotLanded)
        #expect(!result.verdict.isSuccess)
        #expect(result.steps.map(\.verdict) == [.faultNotLanded])
        #expect(result.steps.first?.operations.first?.verdict == .faultNotLanded)
        #expect(result.steps.first?.message == "the cut did not land Start minikube with --cni calico.")
        #expect(result.abortReason?.hasPrefix("fault not landed in step partition: the cut did not land") == true)
        #expect(result.assertions.allSatisfy { $0.verdict == .skipped })
        #expect(!driver.log.contains("next: deletePod"))
        #expect(driver.log.suffix(2) == ["undo port-forwards", "undo namespace"])
        #expect(ScenarioResult.combinedVerdict([.passed, .failed, .faultNotLanded]) == .faultNotLanded)
        #expect(ScenarioResult.combinedVerdict([.faultNotLanded, .error]) == .error)
    }

    @Test func anOperationThatHangsTimesOutAndTheStepFails() async {
        let driver = FakeScenarioDriver()
        driver.behaviours["deletePod"] = .hang
        let scenario = Self.scenario(steps: [Self.step("stuck", [Self.deletePod], catching: [Self.diagnostics], timeout: .seconds(30))])
        let result = await runner(driver).run(scenario)
        #expect(result.verdict == .failed)
        let message = result.steps.first?.message ?? ""
        #expect(message.contains("did not finish within 30.0s"), "\(message)")
        #expect(result.steps.first?.operations.map(\.block) == ["try", "catch"])
        #expect(driver.log.suffix(2) == ["undo port-forwards", "undo namespace"])
    }

    @Test func theScenarioTimeoutStopsTheRunAndCleanupStillRuns() async {
        let driver = FakeScenarioDriver()
        driver.behaviours["deletePod"] = .hang
        let scenario = Self.scenario(steps: [Self.step("stuck", [Self.deletePod], timeout: .seconds(3600))], timeout: .seconds(90))
        let result = await runner(driver).run(scenario)
        #expect(result.verdict == .failed)
        #expect(result.abortReason?.contains("ran out of time") == true, "\(result.abortReason ?? "")")
        #expect(driver.log.suffix(2) == ["undo port-forwards", "undo namespace"])
    }

    @Test func cancellationLikeCtrlCRunsEveryUndoInReverse() async {
        let driver = FakeScenarioDriver()
        driver.behaviours["deletePod"] = .hang
        let scenario = Self.scenario(steps: [
            Self.step("fault", [.networkFault(NetworkFaultAction(workload: "backend", mode: .cut, duration: .seconds(30)))]),
            Self.step("stuck", [Self.deletePod], timeout: .seconds(3600)),
        ], timeout: .seconds(7200))
        let runner = runner(driver)
        let task = Task { await runner.run(scenario) }
        for await _ in driver.hangStarted.stream { break }
        task.cancel()
        let result = await task.value
        #expect(result.verdict == .error)
        #expect(result.abortReason?.contains("interrupted") == true)
        #expect(driver.log.suffix(3) == ["undo network fault", "undo port-forwards", "undo namespace"])
        #expect(result.cleanup.allSatisfy { $0.verdict == .passed })
    }

    @Test func aSteadyStateThatNeverHoldsStopsBeforeTheChaos() async {
        let driver = FakeScenarioDriver()
        driver.checkAnswers["ready"] = [.failed]
        let result = await runner(driver).run(Self.scenario(steps: [Self.step("kill", [Self.deletePod])]))
        #expect(result.verdict == .error, "a steady state that never held is an error: the chaos never ran")
        #expect(result.abortReason?.contains("steady state did not hold before the chaos") == true)
        #expect(!driver.log.contains("kill: deletePod"))
        #expect(driver.log.filter { $0 == "check ready" }.count >= 10, "polled until its timeout")
    }

    @Test func theSteadyStateIsPolledUntilItHoldsAgainAfterTheSteps() async {
        let driver = FakeScenarioDriver()
        driver.checkAnswers["ready"] = [.passed, .failed, .failed, .passed]
        let result = await runner(driver).run(Self.scenario(steps: [Self.step("kill", [Self.deletePod])]))
        #expect(result.verdict == .passed)
        #expect(result.steadyStateAfter.map(\.verdict) == [.passed])
        #expect(driver.log.filter { $0 == "check ready" }.count == 5, "before, three recovery polls, after")
        #expect(result.timeline.contains { $0.kind == .recovered && $0.subject == "steady state" })
    }

    @Test func aFailedSetupIsAnErrorAndUndoesWhatItMade() async {
        let driver = FakeScenarioDriver()
        driver.setupFails = true
        let result = await runner(driver).run(Self.scenario(steps: [Self.step("kill", [Self.deletePod])]))
        #expect(result.verdict == .error)
        #expect(result.abortReason?.contains("setup failed: the fake cluster refused the namespace") == true)
    }

    @Test func faultAndReadyTimesFeedRecoveryAssertions() async {
        let driver = FakeScenarioDriver()
        driver.behaviours["deletePod"] = .succeed(ActionOutcome(faultLandedAt: 3, message: "landed"))
        let waitReady = Action.wait(.condition(.workloadReady("backend")))
        driver.behaviours["wait"] = .succeed(ActionOutcome(readyAt: 14))
        let recovery = Assertion(name: "back in 20s", .recoveryTime(RecoveryTimeAssertion(measure: .replicasReady, workload: "backend",
                                                                                          after: "kill", within: .seconds(20))))
        let tooStrict = Assertion(name: "back in 5s", .recoveryTime(RecoveryTimeAssertion(measure: .replicasReady, workload: "backend",
                                                                                         after: "kill", within: .seconds(5))))
        let result = await runner(driver).run(Self.scenario(steps: [Self.step("kill", [Self.deletePod, waitReady])],
                                                            assertions: [recovery, tooStrict]))
        #expect(result.assertions.map(\.verdict) == [.passed, .failed])
        #expect(result.assertions.first?.measured["replicasReady"] == 11)
        #expect(result.steps.first?.operations.first?.faultLandedAt == 3)
        #expect(result.timeline.contains { $0.kind == .faultLanded && $0.at == 3 })
    }

    @Test func likelyCausesAreAddedToFailedAssertions() async {
        let driver = FakeScenarioDriver()
        driver.causes = ["Deployment backend has no readinessProbe"]
        let failing = Self.check("api answers")
        driver.checkAnswers["api answers"] = [.failed]
        let result = await runner(driver).run(Self.scenario(steps: [Self.step("kill", [Self.deletePod])], assertions: [failing]))
        #expect(result.verdict == .failed)
        #expect(result.assertions.first?.details.contains("likely cause: Deployment backend has no readinessProbe") == true)
    }

    @Test func scenarioCleanupIsSkippedWhenTheNamespaceGoesAndRunWhenReused() async {
        let rollBack = StepOperation(.rollingUpdate(RollingUpdateAction(workload: "backend", toVersion: "v1")))
        let scenario = Self.scenario(steps: [Self.step("grow", [Self.scale])], cleanup: [rollBack])
        let fresh = FakeScenarioDriver()
        let first = await runner(fresh).run(scenario)
        #expect(first.cleanup.last?.verdict == .skipped, "undos first, then the scenario's own cleanup")
        #expect(!fresh.log.contains("cleanup: rollingUpdate"))

        let reused = FakeScenarioDriver()
        let keep = ScenarioRunner(driver: reused, clock: YieldingClock(), options: RunOptions(namespace: "todo"),
                                  makeIdentity: { scenario, options in RunIdentity.fresh(scenario: scenario.name, reuse: options.namespace) })
        let second = await keep.run(scenario)
        #expect(second.namespace == "todo")
        #expect(reused.log.contains("cleanup: rollingUpdate"))
        #expect(second.cleanup.last?.verdict == .passed)
    }

    @Test func backgroundLoadIsRecordedPerPhaseAndTheLedgerIsRead() async {
        let driver = FakeScenarioDriver()
        let load = LoadSpec(rate: .fixed(10), before: .seconds(5), after: .seconds(5), mix: [.list: 1, .create: 1])
        var scenario = Self.scenario(steps: [Self.step("kill", [Self.deletePod, Self.pause(5)])],
                                     assertions: [Assertion(name: "ledger", .writeLedger(WriteLedgerAssertion()))])
        scenario.load = load
        driver.ledger = nil
        let result = await runner(driver).run(scenario)
        #expect(result.phases.map(\.phase) == [.before, .during, .after])
        #expect(result.phases.reduce(0) { $0 + $1.count } > 0)
        #expect(driver.log.contains("ledger"))
        #expect(result.assertions.first?.verdict == .error, "no rows could be read: an error, not a pass")
    }
}

/// A transport whose creates commit a row before they answer 201: the rows the fake ledger reads.
final class CommittingTransport: LoadTransport, @unchecked Sendable {
    private let lock = NSLock()
    private var rows: [String: Int] = [:]
    var committed: [String: Int] { lock.withLock { rows } }

    func start(_ request: LoadRequest, completion: @escaping @Sendable (LoadResponse) -> Void) {
        if let key = request.idempotencyKey { lock.withLock { rows[key, default: 0] += 1 } }
        completion(LoadResponse(outcome: .status(request.operation == .create ? 201 : 200), servedBy: "backend-a", version: "v1",
                                captured: ["id": String(request.sequence)]))
    }
}

extension ScenarioRunnerTests {
    @Test func theLedgerIsReadDuringTheLoadSoEveryWritesVisibilityIsTimed() async throws {
        let driver = FakeScenarioDriver()
        let transport = CommittingTransport()
        driver.transport = transport
        driver.ledgerSource = { transport.committed }
        var scenario = Self.scenario(steps: [Self.step("kill", [Self.deletePod, Self.pause(5)])],
                                     assertions: [Assertion(name: "ledger", .writeLedger(WriteLedgerAssertion(readEvery: .seconds(0.5))))])
        scenario.load = LoadSpec(rate: .fixed(10), before: .seconds(5), after: .seconds(5), mix: [.create: 1])
        let result = await runner(driver).run(scenario)
        let ledger = try #require(result.assertions.first)
        #expect(ledger.verdict == .passed, "\(ledger.message)")
        let outcomes = try #require(ledger.writeOutcomes)
        let writes = transport.committed.count
        #expect(writes > 0 && outcomes.count(.ok) == writes)
        let visibility = try #require(outcomes.visibility, "read during the load, not only at the end")
        #expect(visibility.reads > 2 && visibility.reads == driver.ledgerReads)
        #expect(visibility.measured == writes)
        #expect(visibility.failedReads == 0)
    }

    @Test func aRecoveryThatNeverComesIsAFailureThatNamesTheCheck() async {
        let driver = FakeScenarioDriver()
        driver.checkAnswers["ready"] = [.passed, .failed]
        let result = await runner(driver).run(Self.scenario(steps: [Self.step("kill", [Self.deletePod])]))
        #expect(result.verdict == .failed)
        #expect(result.steadyStateAfter.first?.name == "recovery")
        #expect(result.steadyStateAfter.first?.message.contains("did not hold again within 10s: ready: not yet") == true)
    }
}
