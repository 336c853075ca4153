/// The steady-state hypothesis: checks that must hold before the chaos and again after recovery.
public struct SteadyState: Sendable, Hashable, Codable {
    /// How long the checks are polled before the run starts (they must all hold at once).
    public var timeout: ScenarioDuration
    /// How long after the last step the checks are polled until they hold again (the recovery phase).
    public var recovery: ScenarioDuration
    /// The checks: `http`, `sql` or `kubernetes` assertions only.
    public var checks: [Assertion]

    public static let defaultTimeout = ScenarioDuration(milliseconds: 60_000)
    public static let defaultRecovery = ScenarioDuration(milliseconds: 120_000)

    public init(timeout: ScenarioDuration = SteadyState.defaultTimeout,
                recovery: ScenarioDuration = SteadyState.defaultRecovery, checks: [Assertion]) {
        self.timeout = timeout
        self.recovery = recovery
        self.checks = checks
    }
}
