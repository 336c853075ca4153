import LabrunCore

/// Evaluates `recoveryTime` assertions: the time from a fault landing to recovery, against a limit.
public enum RecoveryEvaluator {
    /// The measured recovery in seconds, or `nil` when it never recovered (within the records).
    ///
    /// - `replicasReady`: `readyAt` (observed by the runner's watch) minus `faultAt`.
    /// - `errorWindow`: from the fault to the end of the last failed request scheduled after it, 0 if none
    ///   failed. Only requests that ended before `until` (the next step's start) count: a later fault's
    ///   errors are not this one's, and a request still in flight when the next step began may be its
    ///   victim. Recovery needs a success after the last failure within that window.
    /// - `firstSuccess`: from the fault to the end of the first successful request sent after it.
    public static func measure(_ measure: RecoveryMeasure, faultAt: Double, readyAt: Double? = nil,
                               records: RequestRecords = [RequestRecord](), until: Double? = nil) -> Double? {
        switch measure {
        case .replicasReady:
            return readyAt.map { max(0, $0 - faultAt) }
        case .errorWindow:
            // One pass: the last failure's end, and the last success's end (a success after the last failure
            // exists exactly when the last success ended later).
            var lastFailure: Double?
            var lastSuccess: Double?
            for record in records where record.intended >= faultAt && record.end <= (until ?? .infinity) {
                if record.succeeded { lastSuccess = max(lastSuccess ?? record.end, record.end) }
                else { lastFailure = max(lastFailure ?? record.end, record.end) }
            }
            guard let last = lastFailure else { return 0 }
            return (lastSuccess ?? -.infinity) > last ? last - faultAt : nil
        case .firstSuccess:
            var first: Double?
            for record in records where record.succeeded && record.start >= faultAt { first = min(first ?? record.end, record.end) }
            return first.map { $0 - faultAt }
        }
    }

    /// The verdict for a measured value (`nil`: never recovered). The value is measured under the
    /// measure's name (`errorWindow`, `firstSuccess`, `replicasReady`), in seconds, so repeats and
    /// history can tell an error window from a first success.
    public static func evaluate(_ spec: RecoveryTimeAssertion, measured: Double?, name: String) -> AssertionResult {
        let what = spec.measure == .replicasReady ? "\(spec.workload ?? "workload") replicas ready"
            : spec.measure == .errorWindow ? "error window" : "first success"
        guard let measured else {
            return .failed(name, kind: "recoveryTime", "\(what) never recovered after step \(spec.after) (limit \(spec.within))")
        }
        let message = "\(what) \(formatSeconds(measured)) after step \(spec.after)'s fault (limit \(spec.within))"
        return measured <= spec.within.seconds
            ? .passed(name, kind: "recoveryTime", message, measured: [spec.measure.rawValue: measured])
            : .failed(name, kind: "recoveryTime", message, measured: [spec.measure.rawValue: measured])
    }
}
