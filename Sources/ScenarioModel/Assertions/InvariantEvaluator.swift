import Foundation

/// The invariant form of `http` and `sql` assertions (`throughout`): judged from the samples the runner
/// took from the start of a step or phase to its end (`InvariantSamples`). Pure, so every verdict is
/// worked out without a network.
///
/// Every sample must match. One that got no answer at all breaks the invariant too, unless
/// `allowUnavailable`: then it is counted and shown, and the invariant says what held whenever an
/// answer came — which needs at least one answer.
public enum InvariantEvaluator {
    /// `samples` is nil when the window never opened (its step never ran).
    public static func evaluate(_ invariant: Invariant, name: String, kind: String, samples: InvariantSamples?) -> AssertionResult {
        let window = invariant.windowName
        guard let samples, samples.taken > 0 else {
            let why = samples == nil ? "\(window) never ran" : "\(window) closed before its first sample was answered"
            return AssertionResult(name: name, kind: kind, verdict: .error, message: "no sample was taken: \(why)", invariant: samples)
        }
        let span = String(format: "%@ (%.1f–%.1f s)", window, samples.start, samples.end ?? samples.start)
        let into = invariant.phase == nil ? "into the step" : "into the phase"
        func when(_ at: Double) -> String { String(format: "%.1f s (%.1f s %@)", at, at - samples.start, into) }
        func listed(_ kept: [InvariantSample], count: Int, what: String, note: String = "") -> [String] {
            guard !kept.isEmpty else { return [] }
            let shown = kept.count < count ? "first \(kept.count) of \(count)" : "\(count)"
            return ["samples that \(what) (\(shown)\(note)):"] + kept.map { "  at \(when($0.at)): \($0.message)" }
        }
        var measured: [String: Double] = ["samples": Double(samples.taken), "mismatched": Double(samples.mismatched),
                                          "unanswered": Double(samples.unanswered)]
        let allowed = invariant.allowUnavailable
        let noAnswer = listed(samples.firstUnanswered, count: samples.unanswered, what: "got no answer", note: allowed ? ", allowed" : "")
        let broken = samples.mismatched + (allowed ? 0 : samples.unanswered)

        guard broken > 0 else {
            let sampled = "(one every \(invariant.every)) throughout \(span)"
            guard samples.answered > 0 else {
                return AssertionResult(name: name, kind: kind, verdict: .error,
                                       message: "none of the \(samples.taken) samples \(sampled) got an answer, so nothing was seen to hold",
                                       details: noAnswer, measured: measured, invariant: samples)
            }
            var message = samples.unanswered == 0 ? "held in all \(samples.taken) samples \(sampled)"
                : "held in all \(samples.answered) answered samples \(sampled)"
            if let first = samples.firstUnanswered.first {
                message += "; \(samples.unanswered) of \(samples.taken) got no answer (allowed), first at \(when(first.at))"
                    + (samples.lastUnansweredAt.map { $0 > first.at ? String(format: ", last at %.1f s", $0) : "" } ?? "")
            }
            return AssertionResult(name: name, kind: kind, verdict: .passed, message: message, details: noAnswer,
                                   measured: measured, invariant: samples)
        }

        // The first sample that broke: the earliest that did not match, or got no answer when that is not allowed.
        var candidates = samples.firstMismatches.prefix(1).map { (sample: $0, text: $0.message) }
        if !allowed { candidates += samples.firstUnanswered.prefix(1).map { (sample: $0, text: "no answer: " + $0.message) } }
        let first = candidates.min { $0.sample.at < $1.sample.at }
        var message = "broke in \(broken) of \(samples.taken) samples throughout \(span)"
        if !allowed, samples.mismatched > 0, samples.unanswered > 0 {
            message += " (\(samples.mismatched) did not match, \(samples.unanswered) got no answer)"
        }
        var details: [String] = []
        if let first {
            message += ": first at \(when(first.sample.at)): \(first.text)"
            measured["firstBrokeAt"] = first.sample.at
            measured["firstBrokeInto"] = first.sample.at - samples.start
            details += first.sample.details
        }
        details += listed(samples.firstMismatches, count: samples.mismatched, what: "did not match")
        if let last = samples.lastMismatchAt, samples.mismatched > 1 {
            details.append(String(format: "the last that did not match was at %.1f s", last))
        }
        details += noAnswer
        return AssertionResult(name: name, kind: kind, verdict: .failed, message: message, details: details,
                               measured: measured, invariant: samples)
    }
}
