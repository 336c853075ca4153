/// The result of one assertion or steady-state check, ready for the terminal, JUnit and HTML reports.
public struct AssertionResult: Sendable, Hashable, Codable {
    /// The assertion's name (from the file, or a generated description).
    public var name: String
    /// The assertion key: `http`, `sql`, `slo`, `writeLedger`, …
    public var kind: String
    public var verdict: Verdict
    /// One line: what was measured against what was required.
    public var message: String
    /// Further lines: a diff, the lost keys, the per-version table. Shown indented under the message.
    public var details: [String]
    /// Measured numbers by name (`errorRate`, `p99`, `recoverySeconds`, …), for reports and trends.
    public var measured: [String: Double]
    /// For `writeLedger`: writes per outcome class and their visibility, for the report's chart.
    public var writeOutcomes: WriteOutcomeSummary?
    /// For an invariant (`http` / `sql` with `throughout`): its samples — counts, the first that broke, what they saw.
    public var invariant: InvariantSamples?

    public init(name: String, kind: String, verdict: Verdict, message: String, details: [String] = [],
                measured: [String: Double] = [:], writeOutcomes: WriteOutcomeSummary? = nil, invariant: InvariantSamples? = nil) {
        self.name = name
        self.kind = kind
        self.verdict = verdict
        self.message = message
        self.details = details
        self.measured = measured
        self.writeOutcomes = writeOutcomes
        self.invariant = invariant
    }

    /// A passed result.
    public static func passed(_ name: String, kind: String, _ message: String, details: [String] = [],
                              measured: [String: Double] = [:]) -> AssertionResult {
        AssertionResult(name: name, kind: kind, verdict: .passed, message: message, details: details, measured: measured)
    }

    /// A failed result.
    public static func failed(_ name: String, kind: String, _ message: String, details: [String] = [],
                              measured: [String: Double] = [:]) -> AssertionResult {
        AssertionResult(name: name, kind: kind, verdict: .failed, message: message, details: details, measured: measured)
    }
}
