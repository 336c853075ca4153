import Foundation
import LabrunCore
import Testing
@testable import ScenarioEngine
@testable import ScenarioModel

/// A server that takes `serviceTime` of simulated time for every request, facing `workers` clients in a
/// closed loop: when all of them are waiting for an answer, the clock moves on by `serviceTime` and they all
/// get it. So `workers` requests in flight at once really take `serviceTime` together, as on a real server.
final class LockstepTransport: LoadTransport, @unchecked Sendable {
    let clock: ManualClock
    let serviceTime: Double
    let workers: Int
    /// How each request ends (default: 2xx).
    let answer: @Sendable (LoadRequest) -> RequestOutcome
    private let lock = NSLock()
    private var waiting: [(request: LoadRequest, completion: @Sendable (LoadResponse) -> Void)] = []
    private var requests: [LoadRequest] = []

    init(clock: ManualClock, serviceTime: Double, workers: Int,
         answer: @escaping @Sendable (LoadRequest) -> RequestOutcome = { $0.operation == .create ? .status(201) : .status(200) }) {
        self.clock = clock
        self.serviceTime = serviceTime
        self.workers = workers
        self.answer = answer
    }

    var received: [LoadRequest] { lock.withLock { requests } }

    func start(_ request: LoadRequest, completion: @escaping @Sendable (LoadResponse) -> Void) {
        let answered: [(request: LoadRequest, completion: @Sendable (LoadResponse) -> Void)] = lock.withLock {
            requests.append(request)
            waiting.append((request, completion))
            guard waiting.count == workers else { return [] }
            clock.advance(by: serviceTime)
            defer { waiting = [] }
            return waiting
        }
        for (request, completion) in answered {
            let outcome = answer(request)
            let created = request.operation == .create && outcome.isSuccess ? "task-\(request.sequence)" : nil
            completion(LoadResponse(outcome: outcome, servedBy: "backend-a", version: "v1", captured: created.map { ["id": $0] } ?? [:]))
        }
    }
}

/// A server that never answers: a waiting request ends only when its caller's task is cancelled.
final class HangingTransport: LoadTransport, @unchecked Sendable {
    private let lock = NSLock()
    private var count = 0
    /// Yields once per request that arrived.
    let arrived = AsyncStream<Void>.makeStream()

    var received: Int { lock.withLock { count } }

    func start(_ request: LoadRequest, completion: @escaping @Sendable (LoadResponse) -> Void) {
        lock.withLock { count += 1 }
        arrived.continuation.yield()
    }
}

@Suite struct CapacityProbeTests {
    /// 1/32 s per answer: exact in binary, so the simulated window ends on an answer, not a rounding error away.
    static let serviceTime = 1.0 / 32

    func probe(_ calibration: CapacityCalibration, mix: [LoadOperation: Int] = [.list: 1], clock: any LabClock,
               transport: any LoadTransport, onRecord: (@Sendable (RequestRecord) -> Void)? = nil) -> CapacityProbe {
        CapacityProbe(calibration: calibration, spec: LoadSpec(rate: .ofCapacity(calibration), mix: mix), traffic: TestStacks.todo.traffic, keyPrefix: "run1",
                      clock: clock, transport: transport, onRecord: onRecord)
    }

    @Test func aClosedLoopMeasuresAnswersPerSecondAndResolvesTheRate() async throws {
        let clock = ManualClock(start: 40)
        let transport = LockstepTransport(clock: clock, serviceTime: Self.serviceTime, workers: 4)
        let calibration = CapacityCalibration(percentOfCapacity: 95)
        let seen = Counter()
        let outcome = try await probe(calibration, mix: [.list: 2, .create: 1, .get: 1], clock: clock, transport: transport,
                                      onRecord: { _ in _ = seen.increment() }).run()
        let measurement = outcome.measurement
        // 4 at a time, 1/32 s each, for 10 s: 320 rounds of 4.
        #expect(outcome.records.count == 1280)
        #expect(seen.increment() == 1281, "every record went to onRecord")
        #expect(measurement.capacity == 128)
        #expect(measurement.rate == 121.6)
        #expect(measurement.start == 40 && measurement.seconds == 10)
        #expect(measurement.requests == 1280 && measurement.succeeded == 1280 && measurement.succeededInWindow == 1280)
        #expect(measurement.summary == "capacity 128.0 req/s (closed loop, 4 at a time, 10s, 1280 requests); load at 95% = 121.6 req/s")
        #expect(clock.now() == 50, "no request was sent once the window was over")
        #expect(outcome.records.map(\.sequence).sorted() == Array(0..<1280))
        #expect(outcome.records.allSatisfy { $0.intended == $0.start && $0.end - $0.start == Self.serviceTime })
        // Creates carry keys apart from the load's; gets act on tasks the probe created.
        let creates = outcome.records.filter { $0.operation == .create }
        #expect(creates.count >= 320)
        #expect(creates.allSatisfy { $0.idempotencyKey == "run1-cal-\($0.sequence)" })
        #expect(outcome.records.filter { $0.operation != .create }.allSatisfy { $0.idempotencyKey == nil })
        let gets = transport.received.filter { $0.operation == .get }
        #expect(!gets.isEmpty && gets.allSatisfy { $0.variables["id"]?.hasPrefix("task-") == true })
        #expect(transport.received.filter { $0.operation == .list }.count == 640)
    }

    @Test func answersAfterTheWindowAreKeptButNotCounted() async throws {
        let clock = ManualClock()
        // 3/32 s per answer: the last round ends at 2.0625 s, after a 2 s window.
        let transport = LockstepTransport(clock: clock, serviceTime: 3 * Self.serviceTime, workers: 2)
        let outcome = try await probe(CapacityCalibration(percentOfCapacity: 100, measureFor: .seconds(2), concurrency: 2),
                                      clock: clock, transport: transport).run()
        #expect(outcome.records.count == 44, "22 rounds of 2, the last one ending after the window")
        #expect(outcome.measurement.succeededInWindow == 42)
        #expect(outcome.measurement.capacity == 21)
        #expect(outcome.measurement.rate == 21)
    }

    @Test func fewerThanHalfSucceedingIsAnErrorThatSaysWhatCameBack() async throws {
        let clock = ManualClock()
        let transport = LockstepTransport(clock: clock, serviceTime: Self.serviceTime, workers: 4) { request in
            switch request.sequence % 4 {
            case 0: return .status(200)
            case 1: return .timeout
            default: return .status(503)
            }
        }
        let calibration = CapacityCalibration(percentOfCapacity: 95, measureFor: .seconds(2))
        do {
            _ = try await probe(calibration, clock: clock, transport: transport).run()
            Issue.record("a probe whose requests mostly failed measured a capacity")
        } catch let error as LabrunError {
            #expect(error.id == "LOAD_CALIBRATION_FAILED")
            #expect(error.message == "192 of the capacity probe's 256 requests failed (status 503: 128, timeout: 64), "
                    + "so the stack's capacity could not be measured and the load was not started.")
            #expect(error.advice?.contains("steadyState") == true)
        }
    }

    @Test func noSuccessAtAllIsAnErrorAndHalfIsEnough() async throws {
        let clock = ManualClock()
        let refused = LockstepTransport(clock: clock, serviceTime: Self.serviceTime, workers: 1) { _ in .connection("refused") }
        let calibration = CapacityCalibration(percentOfCapacity: 50, measureFor: .seconds(2), concurrency: 1)
        await #expect(throws: LabrunError.self) { try await probe(calibration, clock: clock, transport: refused).run() }

        let half = LockstepTransport(clock: ManualClock(), serviceTime: Self.serviceTime, workers: 1) { request in
            request.sequence % 2 == 0 ? .status(200) : .status(500)
        }
        let outcome = try await probe(calibration, clock: half.clock, transport: half).run()
        #expect(outcome.measurement.capacity == 16)
        #expect(outcome.measurement.rate == 8)
        #expect(outcome.measurement.errorsByKind == ["status 500": 32])
        #expect(outcome.measurement.method == "closed loop, 1 at a time, 2s, 64 requests, 32 failed")
    }

    @Test func cancellationStopsTheWorkersAndTheirRequests() async throws {
        let transport = HangingTransport()
        let probe = probe(CapacityCalibration(percentOfCapacity: 95, concurrency: 3), clock: ManualClock(), transport: transport)
        let task = Task { try await probe.run() }
        var arrived = 0
        for await _ in transport.arrived.stream {
            arrived += 1
            if arrived == 3 { break }
        }
        task.cancel()
        await #expect(throws: CancellationError.self) { try await task.value }
        #expect(transport.received == 3, "no request was sent after the cancellation")
    }

    @Test func theRateIsTheShareOfTheCapacityToATenthAndNeverBelowIt() throws {
        #expect(try CapacityCalibration(percentOfCapacity: 95).rate(forCapacity: 41.3) == 39.2)
        #expect(try CapacityCalibration(percentOfCapacity: 150).rate(forCapacity: 20) == 30)
        #expect(try CapacityCalibration(percentOfCapacity: 1).rate(forCapacity: 10) == 0.1)
        do {
            _ = try CapacityCalibration(percentOfCapacity: 1).rate(forCapacity: 4)
            Issue.record("a rate of 0.04 req/s was accepted")
        } catch let error as LabrunError {
            #expect(error.id == "LOAD_RATE_TOO_LOW")
            #expect(error.message == "The measured capacity of 4.0 req/s at 1% gives a load of 0.04 req/s, below the lowest rate of 0.1 req/s.")
        }
    }
}

/// Requests of the capacity probe happen before the load's start. Were they mixed into the load's records,
/// the phase statistics, SLOs, throughput and recovery measures must not change; the runner keeps them
/// apart anyway and hands them to the write ledger alone.
@Suite struct CalibrationRecordsTests {
    let windows = PhaseWindows(loadStart: 12, stepsStart: 22, recoveryEnd: 32, loadEnd: 42)

    /// The load: 10 req/s from 12 s to 42 s, a create first, a burst of errors 1 s after the fault at 22.5 s.
    var load: [RequestRecord] {
        Records.steady(from: 12, count: 300, rate: 10, latency: 0.02, firstSequence: 0).map { record in
            var record = record
            if record.sequence == 0 { record.operation = .create; record.idempotencyKey = "run-0" }
            if (106...110).contains(record.sequence) { record.outcome = .status(503) }
            return record
        }
    }

    /// The probe: 2 s to 12 s, every third one failed, all creates.
    var calibration: [RequestRecord] {
        (0..<100).map { index in
            let t = 2 + Double(index) / 10
            return index % 3 == 0 ? Records.failed(index, at: t, op: .create, key: "run-cal-\(index)")
                : Records.ok(index, at: t, latency: 0.5, op: .create, pod: "backend-z", version: "v0", key: "run-cal-\(index)")
        }
    }

    var fault: StepResult {
        StepResult(name: "kill", verdict: .passed, start: 22, end: 24, operations: [
            OperationResult(block: "try", action: "deletePod", verdict: .passed, start: 22, end: 22.5, faultLandedAt: 22.5),
        ])
    }

    @Test func recordsBeforeTheLoadsStartDisturbNoPhaseMeasure() {
        let mixed = calibration + load
        #expect(LoadStatistics.phases(mixed, windows: windows) == LoadStatistics.phases(load, windows: windows))
        let assertions: [AssertionKind] = [
            .slo(SLOAssertion(phase: .before, bounds: SLOBounds(errorRate: 0, p99: .seconds(0.1)))),
            .throughput(ThroughputAssertion(phase: .before, minPercentOfTarget: 99)),
            .servingPods(ServingPodsAssertion(phase: .before, atLeast: 1)),
            .recoveryTime(RecoveryTimeAssertion(measure: .errorWindow, after: "kill", within: .seconds(2))),
            .recoveryTime(RecoveryTimeAssertion(measure: .firstSuccess, after: "kill", within: .seconds(1))),
            .versionAccounting(VersionAccountingAssertion(expectFinal: "v1", expectVersions: ["v1"], maxFailed: 5)),
        ]
        for kind in assertions {
            let assertion = Assertion(name: kind.kindName, kind)
            let alone = AssertionEvaluator.evaluate(assertion, RunObservations(records: load, windows: windows, targetRate: 10, steps: [fault]))
            let together = AssertionEvaluator.evaluate(assertion, RunObservations(records: mixed, windows: windows, targetRate: 10,
                                                                                  steps: [fault]))
            #expect(alone == together, "\(kind.kindName)")
            #expect(alone?.verdict == .passed, "\(alone?.message ?? kind.kindName)")
        }
        // The per-second series starts with the load's first second: the runner never gives it the probe's records.
        #expect(LoadStatistics.series(load).first?.second == Int((load.first?.intended ?? 0).rounded(.down)))
    }

    @Test func theWriteLedgerChecksTheProbesWritesToo() throws {
        let acknowledged = calibration.filter(\.succeeded).compactMap(\.idempotencyKey)
        var rows = Dictionary(uniqueKeysWithValues: (acknowledged + ["run-0"]).map { ($0, 1) })
        let ledger = Assertion(name: "ledger", .writeLedger(WriteLedgerAssertion()))
        let observed = RunObservations(records: load, windows: windows, targetRate: 10, steps: [fault], ledgers: [LedgerObservation(name: "writes", operations: [.create], rows: rows)],
                                       calibrationRecords: calibration)
        let passed = try #require(AssertionEvaluator.evaluate(ledger, observed))
        #expect(passed.verdict == .passed)
        #expect(passed.measured["acknowledged"] == Double(acknowledged.count + 1))
        rows["run-cal-1"] = nil
        var lost = observed
        lost.ledgers[0].rows = rows
        let failed = try #require(AssertionEvaluator.evaluate(ledger, lost))
        #expect(failed.verdict == .failed)
        #expect(failed.details.contains("  run-cal-1"))
        // The probe's records reach no other assertion.
        let slo = Assertion(name: "slo", .slo(SLOAssertion(phase: .before, bounds: SLOBounds(errorRate: 0))))
        #expect(AssertionEvaluator.evaluate(slo, observed)?.measured["count"] == 100)
    }
}
