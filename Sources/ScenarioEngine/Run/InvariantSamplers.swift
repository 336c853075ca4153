import Foundation
import LabrunCore
import ScenarioModel

/// The samplers of one run's invariants (`http` / `sql` assertions with `throughout`).
///
/// The runner opens a window when its step or phase starts — every invariant over it starts sampling —
/// and closes it when it ends, waiting for each sampler's last sample. Whatever is still open when the run
/// stops early (a failed step, the scenario's timeout, Ctrl-C) is closed by `closeAll` before the
/// assertions, so no sampler outlives the run. Equal assertions share one sampler.
final class InvariantSamplers: @unchecked Sendable {
    private let invariants: [(assertion: Assertion, invariant: Invariant)]
    private let clock: any LabClock
    private let timeline: Timeline
    private let attempt: @Sendable (Assertion) async -> CheckAttempt
    private let limit: Double
    private let lock = NSLock()
    private var running: [Assertion: (window: InvariantWindow, task: Task<InvariantSamples, Never>)] = [:]
    private var finished: [Assertion: InvariantSamples] = [:]

    /// `assertions`: all the run's assertions (those without `throughout` are ignored). `limit`: the longest one sample may take.
    init(_ assertions: [Assertion], clock: any LabClock, timeline: Timeline, limit: Double = Invariant.sampleLimit.seconds,
         attempt: @escaping @Sendable (Assertion) async -> CheckAttempt) {
        var seen = Set<Assertion>()
        invariants = assertions.compactMap { assertion in
            guard let invariant = assertion.kind.invariant, seen.insert(assertion).inserted else { return nil }
            return (assertion, invariant)
        }
        self.clock = clock
        self.timeline = timeline
        self.attempt = attempt
        self.limit = limit
    }

    /// Starts sampling every invariant over `window` from `start` (run clock).
    func open(_ window: InvariantWindow, at start: Double) {
        for (assertion, invariant) in invariants where invariant.window == window {
            let sampler = InvariantSampler(assertion: assertion, invariant: invariant, clock: clock, limit: limit, attempt: attempt)
            lock.withLock {
                guard running[assertion] == nil, finished[assertion] == nil else { return }
                // Not a child of the step: the step's cancellation must not cut the last sample short (see `close`).
                running[assertion] = (window, Task { await sampler.run(start: start) })
            }
        }
    }

    /// Stops sampling every invariant over `window`, which ended at `end` (run clock), and keeps what the samples saw.
    func close(_ window: InvariantWindow, at end: Double) async {
        let closing = lock.withLock { () -> [(Assertion, Task<InvariantSamples, Never>)] in
            let found = running.filter { $0.value.window == window }
            for key in found.keys { running[key] = nil }
            return found.map { ($0.key, $0.value.task) }
        }
        // Every sampler stops starting samples at once; then each one's last sample is waited for.
        for (_, task) in closing { task.cancel() }
        for (assertion, task) in closing {
            var samples = await task.value
            samples.close(at: end)
            note(assertion, samples)
            lock.withLock { finished[assertion] = samples }
        }
    }

    /// Closes every window still open at `end` (the run stopped before it ended).
    func closeAll(at end: Double) async {
        let windows = Set(lock.withLock { running.values.map(\.window) })
        for window in windows.sorted() { await close(window, at: end) }
    }

    /// What each invariant's samples saw; an invariant whose window never opened has none.
    var samples: [Assertion: InvariantSamples] { lock.withLock { finished } }

    /// Whether any sampler is running.
    var anyRunning: Bool { lock.withLock { !running.isEmpty } }

    /// Puts on the timeline where an invariant first broke, and where its samples first got no answer.
    private func note(_ assertion: Assertion, _ samples: InvariantSamples) {
        let allowed = assertion.kind.invariant?.allowUnavailable ?? false
        if let first = samples.firstMismatches.first {
            timeline.record(.error, assertion.name, "invariant broke: \(first.message)", at: first.at)
        }
        if let first = samples.firstUnanswered.first {
            timeline.record(allowed ? .note : .error, assertion.name,
                            "invariant got no answer\(allowed ? " (allowed)" : ""): \(first.message)", at: first.at)
        }
    }
}
