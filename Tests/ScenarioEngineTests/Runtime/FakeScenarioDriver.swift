import Foundation
import LabrunCore
import StackModel
@testable import ScenarioEngine
@testable import ScenarioModel

/// A scripted `ScenarioDriver`: records every call in order, answers checks and actions as told.
final class FakeScenarioDriver: ScenarioDriver, @unchecked Sendable {
    enum Behaviour: Sendable {
        case succeed(ActionOutcome)
        case fail(String)
        /// Fails as an executor does whose fault could not be verified (`FAULT_NOT_LANDED`, with advice).
        case notLanded(String)
        case noTarget(String)
        /// Never finishes on its own (until cancelled): for timeouts and Ctrl-C.
        case hang
    }

    private let lock = NSLock()
    private var _log: [String] = []
    var providerName: String { "fake" }
    var stack: Stack { TestStacks.todo }
    /// Action kind (or `kind:detail`) → behaviour; default succeeds.
    var behaviours: [String: Behaviour] = [:]
    /// Check name → verdicts to answer in turn (the last one repeats); default passes.
    var checkAnswers: [String: [Verdict]] = [:]
    private var checkCalls: [String: Int] = [:]
    var leftovers: [String] = []
    /// The Ready, schedulable nodes the cluster reports.
    var nodes = ["node-1"]
    var setupFails = false
    /// What `readLedger` answers (nil: it throws, as when the database cannot be reached).
    var ledger: [String: Int]? = [:]
    /// When set, what `readLedger` answers instead of `ledger` (rows that grow as the load writes).
    var ledgerSource: (@Sendable () -> [String: Int])?
    /// What `loadTransport` hands out (the capacity probe and the load both use it).
    var transport: any LoadTransport = FakeLoadTransport()
    private var _ledgerReads = 0
    /// How many times the runner read the ledger (during the load and at the end).
    var ledgerReads: Int { lock.withLock { _ledgerReads } }
    var causes: [String] = []
    /// Resumed when an action with behaviour `.hang` starts.
    let hangStarted = AsyncStream<Void>.makeStream()

    func schedulableNodes() async throws -> [String] { nodes }

    var log: [String] { lock.withLock { _log } }
    func note(_ entry: String) { lock.withLock { _log.append(entry) } }

    func sweepLeftovers(timeline: Timeline) async -> [String] {
        note("sweep")
        return leftovers
    }

    func prepare(_ run: RunContext) async throws {
        note("prepare")
        if setupFails { throw LabrunError(id: "FAKE", message: "the fake cluster refused the namespace") }
        run.cleanup.register("delete namespace \(run.namespace)") { [self] in note("undo namespace") }
        run.cleanup.register("stop port-forwards") { [self] in note("undo port-forwards") }
    }

    func perform(_ action: Action, step: String, run: RunContext) async throws -> ActionOutcome {
        let key = Self.key(action)
        note("\(step): \(key)")
        switch behaviours[key] ?? .succeed(ActionOutcome()) {
        case .succeed(let outcome):
            if case .networkFault = action {
                run.cleanup.register("remove network fault") { [self] in note("undo network fault") }
            }
            return outcome
        case .fail(let message):
            throw LabrunError(id: "FAKE", message: message)
        case .notLanded(let message):
            throw LabrunError(id: ErrorID.faultNotLanded, message: message, advice: "Start minikube with --cni calico.")
        case .noTarget(let message):
            throw LabrunError(id: ErrorID.actionNoTarget, message: message)
        case .hang:
            hangStarted.continuation.yield()
            try await Task.sleep(nanoseconds: 3_600_000_000_000)
            return ActionOutcome()
        }
    }

    static func key(_ action: Action) -> String {
        switch action {
        case .wait(.duration(let length)): return "wait \(length)"
        case .http(let spec): return "http \(spec.request.path)"
        default: return action.kindName
        }
    }

    func attempt(_ assertion: Assertion, run: RunContext) async -> CheckAttempt {
        let verdict: Verdict = lock.withLock {
            let answers = checkAnswers[assertion.name] ?? [.passed]
            let index = checkCalls[assertion.name, default: 0]
            checkCalls[assertion.name] = index + 1
            return answers[min(index, answers.count - 1)]
        }
        if assertion.kind.invariant != nil {
            // Samples are not logged: how many a window gets depends on the scheduling, not on the runner.
            lock.withLock { _samples.append((assertion.name, run.clock.now())) }
        } else {
            note("check \(assertion.name)")
        }
        return CheckAttempt(result: AssertionResult(name: assertion.name, kind: assertion.kind.kindName, verdict: verdict,
                                                    message: verdict == .passed ? "ok" : "not yet"))
    }

    private var _samples: [(name: String, at: Double)] = []
    /// The invariants' samples taken: whose, and when (run clock).
    var samples: [(name: String, at: Double)] { lock.withLock { _samples } }

    func loadTransport(_ run: RunContext) async throws -> any LoadTransport { transport }

    func readLedger(_ ledger: StackLedger, run: RunContext) async throws -> [String: Int] {
        let first = lock.withLock { _ledgerReads += 1; return _ledgerReads == 1 }
        if first { note("ledger") }
        if let ledgerSource { return ledgerSource() }
        guard let rows = self.ledger else { throw LabrunError(id: "FAKE", message: "the fake database is down") }
        return rows
    }

    func collectDiagnostics(_ spec: CollectDiagnosticsAction, reason: String, run: RunContext) async -> [String] {
        note("diagnostics (\(reason))")
        run.addArtifact("\(run.scenario.name)/events.txt")
        return ["\(run.scenario.name)/events.txt"]
    }

    func likelyCauses(_ run: RunContext) async -> [String] { causes }
}

/// Answers every load request 200 (creates 201 with an id), served by one of two pods.
struct FakeLoadTransport: LoadTransport {
    func start(_ request: LoadRequest, completion: @escaping @Sendable (LoadResponse) -> Void) {
        let pod = request.sequence % 2 == 0 ? "backend-a" : "backend-b"
        if request.operation == .create {
            return completion(LoadResponse(outcome: .status(201), servedBy: pod, version: "v1", captured: ["id": String(request.sequence)]))
        }
        completion(LoadResponse(outcome: .status(200), servedBy: pod, version: "v1"))
    }
}

/// A `ManualClock` for the runner's tests. A sleep first yields many times, so work that finishes
/// without waiting always beats a timer started at the same moment; then time jumps by the sleep's
/// length. A sleep of `never` seconds or more stands for "not within this test": it lasts until
/// cancelled, so a long scenario or step limit cannot fire before the short one a test is about.
final class YieldingClock: LabClock, @unchecked Sendable {
    static let never: Double = 100
    let manual = ManualClock()
    func now() -> Double { manual.now() }
    func wallTime() -> Date { manual.wallTime() }
    func sleep(seconds: Double) async throws {
        if seconds >= Self.never {
            try await Task.sleep(nanoseconds: 10_000_000_000_000)
        }
        for _ in 0..<500 { await Task.yield() }
        try await manual.sleep(seconds: seconds)
    }
}
