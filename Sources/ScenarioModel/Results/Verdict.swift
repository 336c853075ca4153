/// The outcome of a check, a step or a whole run.
public enum Verdict: String, Sendable, Hashable, Codable, CaseIterable {
    case passed
    /// The check ran and its condition did not hold.
    case failed
    /// The check could not run (e.g. no requests in a phase); counts as a failure of the run.
    case error
    /// The check did not run, for a reason given in its message (never counted as passed).
    case skipped
    /// A chaos action's fault could not be verified to have landed (e.g. a NetworkPolicy the
    /// cluster does not enforce), so what followed proves nothing: never passed, reported as a failure.
    case faultNotLanded

    /// Whether the run can still pass with this verdict.
    public var isSuccess: Bool { self == .passed }
}
