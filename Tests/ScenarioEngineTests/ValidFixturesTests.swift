import Foundation
import Testing
@testable import ScenarioEngine
@testable import ScenarioModel

/// Valid fixtures parse into the model the runner expects.
@Suite struct ValidFixturesTests {
    static let names = TestPaths.yamlNames(in: "valid")

    func load(_ name: String) throws -> Scenario {
        try ScenarioLoader(stack: TestStacks.todo).load(file: TestPaths.fixtures + "/valid/\(name).yaml", displayPath: "valid/\(name).yaml")
    }

    @Test(arguments: ValidFixturesTests.names)
    func validFixtureLoads(name: String) throws {
        let scenario = try load(name)
        #expect(scenario.name == name)
        // The model survives a JSON round trip (results and reports embed it).
        let data = try JSONEncoder().encode(scenario)
        #expect(try JSONDecoder().decode(Scenario.self, from: data) == scenario)
    }

    @Test func minimalTakesTheDefaults() throws {
        let scenario = try load("minimal")
        #expect(scenario.metadata.timeout == ScenarioMetadata.defaultTimeout)
        #expect(scenario.setup == ScenarioSetup())
        #expect(scenario.load == nil)
        #expect(scenario.steps == [Step(name: "pause", tryOperations: [StepOperation(.wait(.duration(.seconds(1))))])])
    }

    @Test func everyActionIsParsedWithItsOptions() throws {
        let scenario = try load("every-action")
        #expect(scenario.setup.reuseNamespace == "todo")
        #expect(scenario.setup.workloads["backend"] == WorkloadShape(
            replicas: 3, version: "v1", env: ["LOG_LEVEL": "debug"], resources: .object(["limits": .object(["cpu": .string("500m")])])))
        #expect(scenario.setup.workloads["frontend"] == WorkloadShape(replicas: 1))
        let actions = scenario.steps.flatMap { $0.tryOperations.map(\.action) }
        #expect(Set(actions.map(\.kindName)) == Set(Action.kindNames).subtracting(["collectDiagnostics"]))
        #expect(actions[0] == .deletePod(DeletePodAction(target: .workload("backend"), count: 2, pick: .oldest,
                                                         grace: ScenarioDuration(milliseconds: 0))))
        #expect(actions[1] == .deletePod(DeletePodAction(target: .labels(["app.kubernetes.io/component": "backend"]), force: true)))
        let crash = try #require(scenario.step(named: "crash"))
        #expect(crash.timeout == .seconds(90))
        #expect(crash.tryOperations[0].timeout == .seconds(30))
        #expect(crash.tryOperations[0].action == .killContainer(KillContainerAction(target: .workload("backend"), pick: .newest,
                                                                                    container: "backend", signal: .term)))
        #expect(crash.tryOperations[1].action == .freeze(FreezeAction(target: .workload("postgres"), duration: .seconds(5))))
        #expect(crash.catchOperations == [StepOperation(.collectDiagnostics(CollectDiagnosticsAction(target: .workload("backend"), events: false)))])
        #expect(crash.finallyOperations == [StepOperation(.collectDiagnostics(CollectDiagnosticsAction()))])
        #expect(scenario.step(named: "roll")?.tryOperations.first?.action == .rollingUpdate(RollingUpdateAction(workload: "backend", toVersion: "v2.1-rc_1", wait: false, env: ["PGHOST": "postgres-typo"])))
        #expect(scenario.step(named: "scale")?.continueOnError == true)
        #expect(scenario.step(named: "postgres-again")?.tryOperations.first?.action == .restartPostgres(RestartPostgresAction()))
        #expect(scenario.step(named: "cluster")?.tryOperations.first?.action == .restartCluster(RestartClusterAction(downFor: .seconds(90))))
        #expect(scenario.step(named: "slow")?.tryOperations.first?.action == .networkFault(NetworkFaultAction(
            workload: "postgres", mode: .delay, delay: .seconds(0.2), jitter: .seconds(0.05), duration: .seconds(60), method: .netem)))
        #expect(scenario.step(named: "lossy")?.tryOperations.first?.action == .networkFault(NetworkFaultAction(
            workload: "postgres", mode: .loss, percent: 12.5, duration: .seconds(40))))
        #expect(scenario.step(named: "leak")?.tryOperations.first?.action == .stress(StressAction(
            target: .workload("backend"), container: "backend", resource: .memory, percent: 150, duration: .seconds(30))))
        #expect(scenario.step(named: "busy")?.tryOperations.first?.action == .stress(StressAction(
            target: .labels(["app": "backend"]), count: 2, pick: .oldest, resource: .cpu, workers: 2, duration: .seconds(20))))
        #expect(scenario.step(named: "disk")?.tryOperations.first?.action == .fillVolume(FillVolumeAction(
            target: .workload("postgres"), volume: "data", duration: .seconds(20))))
        #expect(scenario.step(named: "power-cut")?.tryOperations.first?.action == .nodeFault(NodeFaultAction(
            mode: .stop, node: .nodeOf(.workload("postgres")), duration: .seconds(60))))
        #expect(scenario.step(named: "partition")?.tryOperations.first?.action == .nodeFault(NodeFaultAction(
            mode: .cut, node: .name("labrun-bare-2"), duration: .seconds(20))))
        #expect(scenario.step(named: "maintenance")?.tryOperations.first?.action == .nodeFault(NodeFaultAction(
            mode: .drain, node: .nodeOf(.workload("backend")), duration: .seconds(60))))
        guard case .http(let write)? = scenario.step(named: "write")?.tryOperations.first?.action else {
            Issue.record("write is not an http action"); return
        }
        #expect(write.repeatCount == 5)
        #expect(write.expectStatus == [200, 201])
        #expect(write.request == HTTPRequestSpec(method: "POST", path: "/api/tasks", headers: ["Idempotency-Key": "fixture-{{i}}"],
                                                 body: .object(["title": .string("task {{i}}"), "completed": .bool(false)]), service: "frontend"))
        #expect(scenario.step(named: "pause")?.tryOperations.first?.action == .wait(.duration(.seconds(2.5))))
        #expect(scenario.cleanup.count == 2)
        #expect(scenario.cleanup[0].timeout == .seconds(120))
    }

    @Test func aRelativeLoadRateIsParsedWithItsOptions() throws {
        let load = try #require(try load("load-relative-rate").load)
        #expect(load.rate == .ofCapacity(CapacityCalibration(percentOfCapacity: 95, measureFor: .seconds(15), concurrency: 8)))
        #expect(load.rate.fixedRate == nil)
        #expect(load.mix == [.list: 3, .create: 1])
    }

    @Test func everyAssertionIsParsedWithItsOptions() throws {
        let scenario = try load("every-assertion")
        let load = try #require(scenario.load)
        #expect(load.rate == .fixed(25.5))
        #expect(load.until == .duration(.seconds(300)))
        #expect(load.mix == [.list: 5, .create: 3, .get: 1, .complete: 1])
        #expect(load.maxInFlight == 64)
        #expect(load.slo[.before] == SLOBounds(errorRate: 0, p50: .seconds(0.1), p95: .seconds(0.3), p99: .seconds(0.5)))
        #expect(load.slo[.during] == SLOBounds(errorRate: 0.1, max: .seconds(20)))
        #expect(scenario.steadyState?.checks.map(\.kind.kindName) == ["http", "sql", "kubernetes"])
        #expect(scenario.steadyState?.checks.first?.name == "ready")
        #expect(Set(scenario.assertions.map(\.kind.kindName)) == Set(AssertionKind.kindNames))
        #expect(scenario.assertions[1].kind == .sql(SQLAssertion(
            query: "SELECT title, completed FROM tasks WHERE idempotency_key = ANY($1) ORDER BY title", params: [.string("{a,b}")],
            expect: .rows([["title": .string("a"), "completed": .bool(false)], ["title": .string("b")]], ordered: true),
            timeout: .seconds(60))))
        #expect(scenario.assertions[2].kind == .sql(SQLAssertion(query: "SELECT count(*) FROM tasks WHERE completed = $1 AND title = $2",
                                                                 params: [.bool(true), .string("x")], expect: .value(.number(0)))))
        #expect(scenario.assertions[8].kind == .writeLedger(WriteLedgerAssertion()))
        #expect(scenario.assertions[9].kind == .writeLedger(WriteLedgerAssertion(maxLost: 1, maxDuplicated: 2, maxUnexpected: 3,
                                                                                 allowRecovered: false, readEvery: .seconds(0.25))))
        #expect(scenario.assertions[12].kind == .throughput(ThroughputAssertion(phase: .after, minPercentOfTarget: 90, comparedTo: .before, minRatio: 0.8)))
        #expect(scenario.assertions[4].name == "recoveryTime replicasReady backend after kill within 30s")
        // Invariants: an http over a step, a sql over a phase that allows samples without an answer.
        #expect(scenario.assertions[15].kind.invariant == Invariant(throughout: "roll", every: .seconds(0.5)))
        #expect(scenario.assertions[16].kind.invariant == Invariant(throughout: "during", allowUnavailable: true))
    }
}
