/// Statistics of the background load in one phase (requests are assigned by their intended send time).
///
/// Latencies are corrected for coordinated omission: measured from when a request *should* have been
/// sent (its place in the constant-rate schedule), not from when it was actually sent.
public struct PhaseStats: Sendable, Hashable, Codable {
    public var phase: Phase
    /// Window start and end, seconds on the run's clock.
    public var start: Double
    public var end: Double
    /// Requests scheduled in the window.
    public var count: Int
    /// Requests answered with 2xx.
    public var succeeded: Int
    /// Everything else: non-2xx statuses, timeouts, connection errors, overload.
    public var errors: Int
    /// `errors / count` (0 when there were no requests).
    public var errorRate: Double
    /// Successful requests per second over the window.
    public var throughput: Double
    /// Scheduled requests per second over the window (the offered load).
    public var offeredRate: Double
    /// Latency percentiles in seconds, over all requests that got an answer (nil when none did).
    public var p50: Double?
    public var p95: Double?
    public var p99: Double?
    public var max: Double?
    /// Failures by kind: `status 503`, `timeout`, `connection`, `overload`.
    public var errorsByKind: [String: Int]
    /// Requests per serving pod (`X-Served-By`).
    public var servingPods: [String: Int]
    /// Requests per app version (`X-App-Version`).
    public var versions: [String: Int]

    public init(phase: Phase, start: Double, end: Double, count: Int = 0, succeeded: Int = 0, errors: Int = 0,
                errorRate: Double = 0, throughput: Double = 0, offeredRate: Double = 0, p50: Double? = nil,
                p95: Double? = nil, p99: Double? = nil, max: Double? = nil, errorsByKind: [String: Int] = [:],
                servingPods: [String: Int] = [:], versions: [String: Int] = [:]) {
        self.phase = phase
        self.start = start
        self.end = end
        self.count = count
        self.succeeded = succeeded
        self.errors = errors
        self.errorRate = errorRate
        self.throughput = throughput
        self.offeredRate = offeredRate
        self.p50 = p50
        self.p95 = p95
        self.p99 = p99
        self.max = max
        self.errorsByKind = errorsByKind
        self.servingPods = servingPods
        self.versions = versions
    }

    /// The window's length in seconds.
    public var duration: Double { end - start }
}
