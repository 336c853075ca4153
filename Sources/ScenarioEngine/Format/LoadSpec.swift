/// Background load at a constant arrival rate (an open model: requests are sent on schedule
/// whether or not earlier ones have answered, so a slow server cannot hide its latency).
public struct LoadSpec: Sendable, Hashable, Codable {
    /// Arrivals per second.
    public var rate: Double
    /// Load-only time before the first step (phase `before`).
    public var before: ScenarioDuration
    /// Load-only time after recovery (phase `after`).
    public var after: ScenarioDuration
    /// When the load stops.
    public var until: LoadEnd
    /// Weights of each operation; at least one is positive.
    public var mix: [LoadOperation: Int]
    /// Per-request timeout; a request that takes longer counts as an error (`timeout`).
    public var requestTimeout: ScenarioDuration
    /// Concurrency cap: requests in flight at once. A send that would exceed it is recorded as
    /// an error (`overload`) rather than delayed, so the schedule never slips.
    public var maxInFlight: Int
    /// SLOs per phase; each one becomes an assertion of the run.
    public var slo: [Phase: SLOBounds]

    public static let defaultRequestTimeout = ScenarioDuration(milliseconds: 5000)
    public static let defaultMaxInFlight = 256

    public init(rate: Double, before: ScenarioDuration = .seconds(10), after: ScenarioDuration = .seconds(20),
                until: LoadEnd = .stepsDone, mix: [LoadOperation: Int] = [.list: 1],
                requestTimeout: ScenarioDuration = LoadSpec.defaultRequestTimeout,
                maxInFlight: Int = LoadSpec.defaultMaxInFlight, slo: [Phase: SLOBounds] = [:]) {
        self.rate = rate
        self.before = before
        self.after = after
        self.until = until
        self.mix = mix
        self.requestTimeout = requestTimeout
        self.maxInFlight = maxInFlight
        self.slo = slo
    }
}

/// When background load stops.
public enum LoadEnd: Sendable, Hashable, Codable {
    /// After the steps, recovery and the `after` window.
    case stepsDone
    /// After a fixed total time from the load's start.
    case duration(ScenarioDuration)
}
