import Foundation
import ScenarioModel

/// What a run has produced so far. Kept outside the run's task so that a timeout or Ctrl-C, which
/// cancel that task, still leave every finished part in the result.
final class RunState: @unchecked Sendable {
    private let lock = NSLock()
    private var _steadyBefore: [AssertionResult] = []
    private var _steadyAfter: [AssertionResult] = []
    private var _steps: [StepResult] = []
    private var _readyAt: [String: Double] = [:]
    private var _abort: String?
    private var _abortVerdict: Verdict = .failed
    var loadStart: Double?
    var stepsStart: Double?
    var recoveryEnd: Double?
    var loadEnd: Double?
    var loadControl: LoadControl?
    var loadTask: Task<Void, Never>?
    /// Where the load's records go (a file, read back for the statistics and assertions).
    var loadLog: RequestLog?
    /// The reads of the write ledger while the load runs (cancelled when the load has stopped).
    var ledgerWatches: [String: Task<LedgerVisibility, Never>] = [:]
    /// The watch over the namespace's pods (cancelled before cleanup).
    var podWatch: Task<Void, Never>?
    /// The invariants' samplers: each window opened and closed by the runner, any left open closed before the assertions.
    let invariants: InvariantSamplers
    /// The rate the load runs at (the fixed one, or the one calibration resolved).
    var targetRate: Double?
    /// What the capacity probe measured, when the rate is relative.
    var calibration: CapacityMeasurement?
    /// The capacity probe's requests: for the write ledger only (they are before the load's start and
    /// not part of its schedule, so they stay out of phase stats, series and recovery measures).
    var calibrationRecords: RequestRecords = [RequestRecord]()
    var recoveryFailed = false
    /// The checks that still failed when recovery ran out of time.
    var recoveryFailures: [AssertionResult] = []

    init(invariants: InvariantSamplers) {
        self.invariants = invariants
    }

    var steadyBefore: [AssertionResult] {
        get { lock.withLock { _steadyBefore } }
        set { lock.withLock { _steadyBefore = newValue } }
    }
    var steadyAfter: [AssertionResult] {
        get { lock.withLock { _steadyAfter } }
        set { lock.withLock { _steadyAfter = newValue } }
    }
    var steps: [StepResult] { lock.withLock { _steps } }
    func append(_ step: StepResult) { lock.withLock { _steps.append(step) } }
    var readyAt: [String: Double] { lock.withLock { _readyAt } }
    /// Keeps the first time a step's workload was whole again after its fault.
    func noteReady(step: String, at time: Double) { lock.withLock { if _readyAt[step] == nil { _readyAt[step] = time } } }

    /// Why the run stopped early; the first reason wins.
    var abortReason: String? { lock.withLock { _abort } }
    var abortVerdict: Verdict { lock.withLock { _abortVerdict } }
    func abort(_ reason: String, verdict: Verdict = .failed) {
        lock.withLock {
            guard _abort == nil else { return }
            _abort = reason
            _abortVerdict = verdict
        }
    }
}

/// Thrown inside a run to stop it early with a reason (already recorded in `RunState`).
struct RunStopped: Error {}
