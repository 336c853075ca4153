/// Limits for one phase: an error-rate ceiling, latency percentile ceilings, and a ceiling on the slowest
/// request (`max`: how long any request took to end, answered, failed or timed out — no request hangs
/// longer). Unset bounds are not checked.
public struct SLOBounds: Sendable, Hashable, Codable {
    /// The largest allowed fraction of failed requests, 0…1.
    public var errorRate: Double?
    public var p50: ScenarioDuration?
    public var p95: ScenarioDuration?
    public var p99: ScenarioDuration?
    public var max: ScenarioDuration?

    public init(errorRate: Double? = nil, p50: ScenarioDuration? = nil, p95: ScenarioDuration? = nil,
                p99: ScenarioDuration? = nil, max: ScenarioDuration? = nil) {
        self.errorRate = errorRate
        self.p50 = p50
        self.p95 = p95
        self.p99 = p99
        self.max = max
    }

    /// Whether no bound is set.
    public var isEmpty: Bool { errorRate == nil && p50 == nil && p95 == nil && p99 == nil && max == nil }
}
