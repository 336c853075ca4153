import Foundation
import LabrunCore
import Testing
@testable import ScenarioEngine
@testable import ScenarioModel

/// A server whose every answer takes `serviceTime` on the runner's clock (one request at a time: the
/// probe's closed loop of one worker); the probe's requests (keys `…-cal-…`) fail when `failsCalibration` says so.
final class SteppingTransport: LoadTransport, @unchecked Sendable {
    let clock: YieldingClock
    let serviceTime: Double
    let failsCalibration: @Sendable (Int) -> Bool

    init(clock: YieldingClock, serviceTime: Double, failsCalibration: @escaping @Sendable (Int) -> Bool = { _ in false }) {
        self.clock = clock
        self.serviceTime = serviceTime
        self.failsCalibration = failsCalibration
    }

    func start(_ request: LoadRequest, completion: @escaping @Sendable (LoadResponse) -> Void) {
        clock.manual.advance(by: serviceTime)
        let probe = request.idempotencyKey?.contains("-cal-") == true
        if probe && failsCalibration(request.sequence) { return completion(LoadResponse(outcome: .status(503))) }
        completion(LoadResponse(outcome: .status(request.operation == .create ? 201 : 200), servedBy: "backend-a", version: "v1",
                                captured: request.operation == .create ? ["id": "\(request.sequence)"] : [:]))
    }
}

/// Every load request the runner reported, in the order they completed.
final class RecordLog: @unchecked Sendable {
    private let lock = NSLock()
    private var all: [RequestRecord] = []
    var records: [RequestRecord] { lock.withLock { all } }
    func append(_ record: RequestRecord) { lock.withLock { all.append(record) } }
}

/// A load whose rate is a share of the capacity: the runner measures it after the steady state and before
/// the load, runs the load at the resolved rate, and keeps the probe's requests for the write ledger alone.
@Suite struct CalibrationRunTests {
    func run(_ scenario: Scenario, driver: FakeScenarioDriver, clock: YieldingClock, log: RecordLog) async -> ScenarioResult {
        let options = RunOptions(reportDirectory: NSTemporaryDirectory(), onRequest: { _, record in log.append(record) })
        return await ScenarioRunner(driver: driver, clock: clock, options: options, pollInterval: 1,
                                    makeIdentity: ScenarioRunnerTests.identity).run(scenario)
    }

    static func scenario(percent: Double) -> Scenario {
        var scenario = ScenarioRunnerTests.scenario(
            steps: [ScenarioRunnerTests.step("kill", [ScenarioRunnerTests.deletePod, ScenarioRunnerTests.pause(5)])],
            assertions: [
                Assertion(name: "ledger", .writeLedger(WriteLedgerAssertion())),
                Assertion(name: "keeps up", .throughput(ThroughputAssertion(phase: .before, minPercentOfTarget: 1))),
                Assertion(name: "no error window", .recoveryTime(RecoveryTimeAssertion(measure: .errorWindow, after: "kill",
                                                                                       within: .seconds(1)))),
            ])
        let calibration = CapacityCalibration(percentOfCapacity: percent, measureFor: .seconds(2), concurrency: 1)
        scenario.load = LoadSpec(rate: .ofCapacity(calibration), before: .seconds(5), after: .seconds(5), mix: [.create: 1])
        return scenario
    }

    @Test func theLoadRunsAtTheShareOfTheMeasuredCapacity() async throws {
        let clock = YieldingClock()
        let driver = FakeScenarioDriver()
        // 1/16 s per answer, one at a time, for 2 s: 32 requests; every fourth of them fails, so 24 answered: 12 req/s.
        driver.transport = SteppingTransport(clock: clock, serviceTime: 1.0 / 16) { $0 % 4 == 3 }
        let log = RecordLog()
        let result = await run(Self.scenario(percent: 50), driver: driver, clock: clock, log: log)
        #expect(result.verdict == .failed, "the fake ledger has no rows, so every acknowledged write is lost")

        let calibration = try #require(result.calibration)
        #expect(calibration.capacity == 12)
        #expect(calibration.rate == 6)
        #expect(result.targetRate == 6)
        let phases = result.timeline.filter { $0.kind == .phase }
        #expect(phases.map(\.subject).prefix(5) == ["setup", "steady-state-before", "calibration", "before", "during"])
        #expect(phases.first { $0.subject == "before" }?.detail == "load at 6 req/s")
        #expect(result.timeline.contains { $0.kind == .note && $0.subject == "calibration"
            && $0.detail == "capacity 12.0 req/s (closed loop, 1 at a time, 2s, 32 requests, 8 failed); load at 50% = 6.0 req/s" })

        // The load's schedule follows the resolved rate.
        let all = log.records
        let probe = all.filter { $0.idempotencyKey?.contains("-cal-") == true }
        let load = all.filter { $0.idempotencyKey?.contains("-cal-") != true }.sorted { $0.sequence < $1.sequence }
        #expect(probe.count == 32)
        #expect(load.count > 10)
        for (earlier, later) in zip(load, load.dropFirst()) {
            #expect(abs(later.intended - earlier.intended - 1.0 / 6) < 1e-9)
        }
        // The probe's requests came before the load's start and are in no phase, series or recovery measure.
        let loadStart = try #require(load.first?.intended)
        #expect(probe.allSatisfy { $0.end <= loadStart })
        #expect(result.phases.reduce(0) { $0 + $1.count } == load.count)
        #expect(result.phases.allSatisfy { $0.errors == 0 })
        // The series counts seconds since the run's start, like the timeline, and begins with the load.
        #expect(result.series.first?.second == Int(loadStart.rounded(.down)))
        #expect(result.series.reduce(0) { $0 + $1.sent } == load.count)
        let throughput = try #require(result.assertions.first { $0.name == "keeps up" })
        #expect(throughput.message.contains("of the 6.0 req/s target"), "\(throughput.message)")
        #expect(result.assertions.first { $0.name == "no error window" }?.verdict == .passed)

        // The write ledger accounts for every create: the probe's and the load's (the fake database has no row,
        // so every acknowledged one is lost and every other one failed).
        let ledger = try #require(result.assertions.first { $0.name == "ledger" })
        #expect(ledger.measured["acknowledged"] == Double(24 + load.count))
        let counts = try #require(ledger.writeOutcomes)
        #expect(counts.count(.lost) == 24 + load.count)
        #expect(WriteOutcome.allCases.reduce(0) { $0 + counts.count($1) } == all.count)
        #expect(counts.count(.failedIndeterminate) == all.filter { !$0.succeeded }.count, "the probe's 8 failures and the load's")
    }

    @Test func aProbeThatCannotMeasureStopsTheRunBeforeTheLoad() async {
        let clock = YieldingClock()
        let driver = FakeScenarioDriver()
        driver.transport = SteppingTransport(clock: clock, serviceTime: 1.0 / 16) { $0 % 4 != 0 }
        let log = RecordLog()
        let result = await run(Self.scenario(percent: 50), driver: driver, clock: clock, log: log)
        #expect(result.verdict == .error, "the chaos never ran")
        #expect(result.abortReason?.hasPrefix("calibration failed: 24 of the capacity probe's 32 requests failed (status 503: 24)") == true,
                "\(result.abortReason ?? "")")
        #expect(result.calibration == nil && result.targetRate == nil)
        #expect(result.steps.isEmpty && result.phases.allSatisfy { $0.count == 0 })
        #expect(!driver.log.contains("kill: deletePod"))
        #expect(driver.log.suffix(2) == ["undo port-forwards", "undo namespace"])
        #expect(log.records.allSatisfy { $0.idempotencyKey?.contains("-cal-") == true }, "no load request was sent")
    }

    @Test func aFixedRateNeedsNoProbe() async {
        let clock = YieldingClock()
        let driver = FakeScenarioDriver()
        var scenario = Self.scenario(percent: 50)
        scenario.load?.rate = .fixed(8)
        let result = await run(scenario, driver: driver, clock: clock, log: RecordLog())
        #expect(result.targetRate == 8)
        #expect(result.calibration == nil)
        #expect(!result.timeline.contains { $0.subject == "calibration" })
        let ledger = result.assertions.first { $0.name == "ledger" }
        #expect(ledger?.details.contains { $0.contains("-cal-") } == false, "no probe, so no probe's write")
    }
}
