/// One attempt at a live check (`http`, `sql`, `kubernetes`): what it found, and whether an answer came at all.
///
/// The runner polls attempts for steady-state checks and end-of-run assertions (where only `result`
/// matters) and samples them for invariants, which tell a wrong answer from none (`allowUnavailable`).
public struct CheckAttempt: Sendable, Hashable {
    /// What the check found; for an attempt that got no answer, a failure saying why.
    public var result: AssertionResult
    /// False when the request or query got no answer at all: refused or unreachable, no answer in
    /// time, the database shutting down or starting up.
    public var answered: Bool

    public init(result: AssertionResult, answered: Bool = true) {
        self.result = result
        self.answered = answered
    }

    /// An attempt that got no answer: a failed result whose message is `reason`.
    public static func unanswered(_ name: String, kind: String, _ reason: String) -> CheckAttempt {
        CheckAttempt(result: .failed(name, kind: kind, reason), answered: false)
    }
}
