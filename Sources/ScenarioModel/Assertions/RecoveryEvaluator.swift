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
                               records: [RequestRecord] = [], until: Double? = nil) -> Double? {
        switch measure {
        case .replicasReady:
            return readyAt.map { max(0, $0 - faultAt) }
        case .errorWindow:
            let window = records.filter { $0.intended >= faultAt && $0.end <= (until ?? .infinity) }
            guard let last = window.filter({ !$0.succeeded }).map(\.end).max() else { return 0 }
            let laterSuccess = window.contains { $0.succeeded && $0.end > last }
            return laterSuccess ? last - faultAt : nil
        case .firstSuccess:
            return records.filter { $0.succeeded && $0.start >= faultAt }.map(\.end).min().map { $0 - faultAt }
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
