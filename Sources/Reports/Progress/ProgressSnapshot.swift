/// What the live progress view shows at one moment of a run.
public struct ProgressSnapshot: Sendable, Hashable {
    public var scenario: String
    /// The current phase or stage: `setup`, `before`, `during`, `after`, `cleanup`, …
    public var phase: String
    /// Seconds since the run started.
    public var elapsed: Double
    /// Answers per second over the last few seconds.
    public var requestsPerSecond: Double
    /// Failed requests so far.
    public var errors: Int
    /// All requests so far (for the error share).
    public var requests: Int
    /// Recent 99th percentile latency in seconds (nil before the first answer).
    public var p99: Double?
    /// The latest timeline event, in one line (`fault landed: kill backend pod`).
    public var lastEvent: String?

    public init(scenario: String, phase: String, elapsed: Double, requestsPerSecond: Double = 0, errors: Int = 0,
                requests: Int = 0, p99: Double? = nil, lastEvent: String? = nil) {
        self.scenario = scenario
        self.phase = phase
        self.elapsed = elapsed
        self.requestsPerSecond = requestsPerSecond
        self.errors = errors
        self.requests = requests
        self.p99 = p99
        self.lastEvent = lastEvent
    }
}
