import LabrunCore
import Testing
@testable import ScenarioEngine
@testable import ScenarioModel

@Suite struct AssertionEvaluatorTests {
    let windows = PhaseWindows(loadStart: 0, stepsStart: 10, recoveryEnd: 20, loadEnd: 30)

    func observations(ledger: [String: Int]? = ["run-0": 1]) -> RunObservations {
        let records = (0..<300).map { index -> RequestRecord in
            let t = Double(index) / 10
            let version = t < 15 ? "v1" : "v2"
            return index == 0 ? Records.ok(0, at: 0, latency: 0.01, op: .create, key: "run-0")
                : Records.ok(index, at: t, latency: 0.02, pod: "backend-\(index % 3)", version: version)
        }
        let roll = StepResult(name: "roll", verdict: .passed, start: 10, end: 18, operations: [
            OperationResult(block: "try", action: "rollingUpdate", verdict: .passed, start: 10, end: 18, faultLandedAt: 10.5),
        ])
        return RunObservations(records: records, windows: windows, targetRate: 10, steps: [roll], readyAt: ["roll": 17],
                               ledgers: [LedgerObservation(name: "writes", operations: [.create], rows: ledger)])
    }

    @Test func loadBasedAssertionsAreEvaluatedFromObservations() throws {
        let scenario = Scenario(
            metadata: ScenarioMetadata(name: "x"),
            load: LoadSpec(rate: .fixed(10), slo: [.after: SLOBounds(errorRate: 0, p99: .seconds(0.1))]),
            assertions: [
                Assertion(.versionAccounting(VersionAccountingAssertion(during: "roll", expectFinal: "v2", expectVersions: ["v1", "v2"]))),
                Assertion(.recoveryTime(RecoveryTimeAssertion(measure: .replicasReady, workload: "backend", after: "roll", within: .seconds(10)))),
                Assertion(.writeLedger(WriteLedgerAssertion())),
                Assertion(.throughput(ThroughputAssertion(phase: .after, minPercentOfTarget: 95))),
                Assertion(.servingPods(ServingPodsAssertion(phase: .after, atLeast: 3))),
            ])
        #expect(scenario.allAssertions.first?.name == "load.slo.after")
        let results = scenario.allAssertions.compactMap { AssertionEvaluator.evaluate($0, observations()) }
        #expect(results.count == 6)
        #expect(results.allSatisfy { $0.verdict == .passed }, "\(results.filter { $0.verdict != .passed })")
        #expect(results[2].message == "backend replicas ready 6.5s after step roll's fault (limit 10s)")
    }

    @Test func liveKindsAreLeftToTheRunnerAndMissingInputsAreErrors() {
        let http = Assertion(.http(HTTPAssertion(check: HTTPCheck(request: HTTPRequestSpec(path: "/readyz")))))
        #expect(AssertionEvaluator.evaluate(http, observations()) == nil)
        let ledger = AssertionEvaluator.evaluate(Assertion(.writeLedger(WriteLedgerAssertion())), observations(ledger: nil))
        #expect(ledger?.verdict == .error)
        var noLedgerSection = observations()
        noLedgerSection.ledgers = []
        let unreconciled = AssertionEvaluator.evaluate(Assertion(.writeLedger(WriteLedgerAssertion())), noLedgerSection)
        #expect(unreconciled?.verdict == .failed && unreconciled?.message.contains("no ledger section") == true)
        // A ledger whose operations the load never sent has nothing to reconcile: it fails, it does not pass.
        var untouched = observations()
        untouched.ledgers = [LedgerObservation(name: "turns", operations: [LoadOperation("chat")], rows: [:])]
        let idle = AssertionEvaluator.evaluate(Assertion(.writeLedger(WriteLedgerAssertion(ledger: "turns"))), untouched)
        #expect(idle?.verdict == .failed && idle?.message.hasPrefix("the load made no write that ledger turns tracks") == true)
        let unknown = AssertionEvaluator.evaluate(Assertion(.writeLedger(WriteLedgerAssertion(ledger: "nope"))), untouched)
        #expect(unknown?.verdict == .failed && unknown?.message == "the stack file has no ledger named nope")
        let unknownStep = Assertion(.recoveryTime(RecoveryTimeAssertion(measure: .firstSuccess, after: "never", within: .seconds(1))))
        #expect(AssertionEvaluator.evaluate(unknownStep, observations())?.verdict == .error)
    }

    @Test func httpChecksStatusHeadersAndBody() {
        let spec = HTTPAssertion(check: HTTPCheck(request: HTTPRequestSpec(path: "/version"),
                                                  expect: HTTPExpectation(status: [200], headers: ["X-App-Version": "v2"],
                                                                          json: .object(["version": .string("v2")]))))
        let pass = AssertionEvaluator.http(spec, name: "h", status: 200, headers: ["x-app-version": "v2"],
                                           body: .object(["version": .string("v2"), "served_by": .string("p")]))
        #expect(pass.verdict == .passed)
        #expect(pass.message == "GET /version → 200")
        let fail = AssertionEvaluator.http(spec, name: "h", status: 503, headers: ["X-App-Version": "v1"], body: .object(["version": .string("v1")]))
        #expect(fail.verdict == .failed)
        #expect(fail.message == #"GET /version: status 503, expected 200; header X-App-Version is "v1", expected "v2"; body differs at 1 place(s)"#)
        #expect(fail.details == ["at $.version:", #"  - expected: "v2""#, #"  + actual:   "v1""#])
    }

    @Test func sqlAndKubernetesProduceDiffs() {
        let sql = SQLAssertion(query: "SELECT count(*) AS n FROM tasks", expect: .value(.number(20)))
        #expect(AssertionEvaluator.sql(sql, name: "s", result: SQLResultSet(columns: ["n"], rows: [[.string("20")]])).verdict == .passed)
        let failed = AssertionEvaluator.sql(sql, name: "s", result: SQLResultSet(columns: ["n"], rows: [[.string("19")]]))
        #expect(failed.message == #"expected 20, got "19""#)
        let k8s = KubernetesAssertion(apiVersion: "apps/v1", kind: "Deployment", name: "backend",
                                      expect: .object(["status": .object(["readyReplicas": .number(3)])]))
        let object: JSONValue = .object(["status": .object(["readyReplicas": .number(2)])])
        let result = AssertionEvaluator.kubernetes(k8s, name: "k", object: object)
        #expect(result.message == "Deployment/backend differs at 1 place(s)")
        #expect(result.details.first == "at $.status.readyReplicas:")
        #expect(AssertionEvaluator.kubernetes(k8s, name: "k", object: nil).message == "Deployment/backend was not found")
    }
}
