import LabrunCore
import ScenarioModel

/// Samples one invariant (an `http` or `sql` assertion with `throughout`) while its window is open: one
/// attempt at the check every `every`, through the same check code as the steady state and the end-of-run
/// assertions (`ScenarioDriver.attempt`), into a bounded `InvariantSamples`.
///
/// Samples never overlap: one that takes longer than `every` delays the next, and one that takes longer
/// than `limit` is cut short and counted as unanswered. Cancelling the sampler's task closes the window:
/// no sample starts after it, and the one in flight is finished and counted (it was sent inside the
/// window), so a window that opened has at least one sample. Like `LedgerWatcher`, a plain value run in a task.
struct InvariantSampler: Sendable {
    var assertion: Assertion
    /// Seconds between the starts of two samples (`every`).
    var every: Double
    /// The longest one sample may take (`Invariant.sampleLimit`).
    var limit: Double
    var clock: any LabClock
    /// One attempt at the check.
    var attempt: @Sendable (Assertion) async -> CheckAttempt

    init(assertion: Assertion, invariant: Invariant, clock: any LabClock,
         limit: Double = Invariant.sampleLimit.seconds, attempt: @escaping @Sendable (Assertion) async -> CheckAttempt) {
        self.assertion = assertion
        self.every = invariant.every.seconds
        self.limit = limit
        self.clock = clock
        self.attempt = attempt
    }

    /// Samples until the task is cancelled; returns what the samples saw (the window's end is set by whoever closes it).
    func run(start: Double) async -> InvariantSamples {
        var samples = InvariantSamples(start: start)
        while true {
            let at = clock.now()
            // A task of its own, which the window's closing does not cancel: the sample in flight is finished.
            let sample = Task { [self] in await take() }
            samples.record(await sample.value, at: at)
            if Task.isCancelled { break }
            let wait = at + every - clock.now()
            if wait > 0 {
                do { try await clock.sleep(seconds: wait) } catch { break }
            }
            if Task.isCancelled { break }
        }
        return samples
    }

    /// One sample, within `limit`.
    func take() async -> CheckAttempt {
        let attempt = self.attempt
        let assertion = self.assertion
        do {
            return try await OperationTimeout.run(seconds: limit, clock: clock, what: "a sample of \(assertion.name)") {
                await attempt(assertion)
            }
        } catch {
            return .unanswered(assertion.name, kind: assertion.kind.kindName,
                               RunFailure.isTimeout(error) ? "no answer within \(formatSeconds(limit))" : RunFailure.describe(error))
        }
    }
}
