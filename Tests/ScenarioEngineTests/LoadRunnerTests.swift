import Foundation
import LabrunCore
import Testing
@testable import ScenarioEngine
@testable import ScenarioModel

/// A transport that answers at once, like a healthy server, and remembers what it was asked.
final class FakeTransport: LoadTransport, @unchecked Sendable {
    private let lock = NSLock()
    private var requests: [LoadRequest] = []
    private var nextID = 0

    var received: [LoadRequest] { lock.withLock { requests } }

    func start(_ request: LoadRequest, completion: @escaping @Sendable (LoadResponse) -> Void) {
        let id: Int = lock.withLock {
            requests.append(request)
            nextID += 1
            return nextID
        }
        completion(LoadResponse(outcome: .status(request.operation == .create ? 201 : 200), servedBy: "backend-\(id % 2)",
                                version: "v1", captured: request.operation == .create ? ["id": "\(id)"] : [:]))
    }
}

/// A transport whose requests hang until `release()` — a server that stopped answering.
final class StalledTransport: LoadTransport, @unchecked Sendable {
    private let lock = NSLock()
    private var waiting: [@Sendable (LoadResponse) -> Void] = []
    private var released = false

    func start(_ request: LoadRequest, completion: @escaping @Sendable (LoadResponse) -> Void) {
        let now: Bool = lock.withLock {
            if released { return true }
            waiting.append(completion)
            return false
        }
        if now { completion(LoadResponse(outcome: .timeout)) }
    }

    func release() {
        let all: [@Sendable (LoadResponse) -> Void] = lock.withLock {
            released = true
            defer { waiting = [] }
            return waiting
        }
        all.forEach { $0(LoadResponse(outcome: .timeout)) }
    }
}

extension LoadRunner {
    /// Runs into a fresh log and returns its records by sequence.
    func records(start: Double, control: LoadControl) async throws -> [RequestRecord] {
        let log = try RequestLog()
        await run(start: start, control: control, log: log)
        return log.records.sorted { $0.sequence < $1.sequence }
    }
}

@Suite struct LoadRunnerTests {
    @Test func requestsAreSentOnScheduleWithTheMixAndUniqueKeys() async throws {
        let clock = ManualClock(start: 50)
        let transport = FakeTransport()
        let spec = LoadSpec(rate: .fixed(20), mix: [.list: 2, .create: 1, .get: 1])
        let runner = LoadRunner(spec: spec, traffic: TestStacks.todo.traffic, rate: 20, keyPrefix: "run1", clock: clock, transport: transport)
        let records = try await runner.records(start: 50, control: LoadControl(stopAt: 60))
        #expect(records.count == 200)
        #expect(records.map(\.sequence) == Array(0..<200))
        #expect(records.allSatisfy { abs($0.intended - (50 + Double($0.sequence) / 20)) < 1e-9 })
        #expect(records.allSatisfy { $0.start >= $0.intended && $0.succeeded })
        let creates = records.filter { $0.operation == .create }
        #expect(Set(creates.compactMap(\.idempotencyKey)).count == creates.count)
        #expect(creates.first?.idempotencyKey == "run1-1")
        #expect(records.filter { $0.operation != .create }.allSatisfy { $0.idempotencyKey == nil })
        // Every get names a task created earlier in the run.
        #expect(transport.received.filter { $0.operation == .get }.allSatisfy { $0.variables["id"] != nil })
        #expect(Set(records.compactMap(\.servedBy)) == ["backend-0", "backend-1"])
    }

    @Test func getBeforeAnyCreateBecomesACreate() async throws {
        let clock = ManualClock()
        let transport = FakeTransport()
        // With these weights the picker's first choice is `get`, before any task exists.
        let runner = LoadRunner(spec: LoadSpec(rate: .fixed(10), mix: [.get: 3, .create: 1]), traffic: TestStacks.todo.traffic, rate: 10, keyPrefix: "k", clock: clock, transport: transport)
        let records = try await runner.records(start: 0, control: LoadControl(stopAt: 0.95))
        #expect(records.count == 10)
        #expect(records.first?.operation == .create)
        #expect(records.first?.idempotencyKey == "k-0")
        #expect(transport.received.filter { $0.operation == .get }.allSatisfy { $0.variables["id"] != nil })
    }

    @Test func aStalledServerDoesNotSlowTheScheduleAndExcessIsRecordedAsOverload() async throws {
        let clock = ManualClock()
        let transport = StalledTransport()
        let overloads = Counter()
        let spec = LoadSpec(rate: .fixed(10), maxInFlight: 3)
        let runner = LoadRunner(spec: spec, traffic: TestStacks.todo.traffic, rate: 10, keyPrefix: "k", clock: clock, transport: transport) { record in
            if record.outcome == .overload, overloads.increment() == 7 { transport.release() }
        }
        let records = try await runner.records(start: 0, control: LoadControl(stopAt: 1))
        #expect(records.count == 10)
        #expect(records.filter { $0.outcome == .overload }.map(\.sequence) == Array(3..<10))
        #expect(records.filter { $0.outcome == .timeout }.map(\.sequence) == [0, 1, 2])
        // The overloaded requests were due (and recorded) on schedule, not after the stall.
        #expect(records[9].intended == 0.9 && records[9].start == 0.9)
    }

    @Test func stoppingEarlierWinsAndCancellationStopsScheduling() async throws {
        let control = LoadControl(stopAt: 100)
        control.stop(at: 2)
        control.stop(at: 5)
        #expect(control.isStopped(at: 2))
        #expect(!control.isStopped(at: 1.99))
        let runner = LoadRunner(spec: LoadSpec(rate: .fixed(5)), traffic: TestStacks.todo.traffic, rate: 5, keyPrefix: "k", clock: ManualClock(), transport: FakeTransport())
        let records = try await runner.records(start: 0, control: control)
        #expect(records.count == 10)
    }
}

/// A thread-safe counter for callbacks.
final class Counter: @unchecked Sendable {
    private let lock = NSLock()
    private var value = 0
    func increment() -> Int { lock.withLock { value += 1; return value } }
}
