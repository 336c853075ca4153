import Foundation

/// What a `CapacityProbe` measured at the start of a run, and the load rate it gave.
///
/// Present in a result only when `load.rate` was relative (`percentOfCapacity`).
public struct CapacityMeasurement: Sendable, Hashable, Codable {
    /// Successful answers per second within the window: the stack's capacity as set up.
    public var capacity: Double
    /// Requests in flight at once (the closed loop's workers).
    public var concurrency: Int
    /// Start of the window, seconds on the run's clock.
    public var start: Double
    /// Length of the window in seconds (`measureFor`).
    public var seconds: Double
    /// Requests sent, including those answered after the window.
    public var requests: Int
    /// Requests answered 2xx, including those answered after the window.
    public var succeeded: Int
    /// Requests answered 2xx within the window: `capacity × seconds`.
    public var succeededInWindow: Int
    /// Failed requests by kind: `status 503`, `timeout`, `connection`.
    public var errorsByKind: [String: Int]
    /// The load's share of the capacity (`load.rate.percentOfCapacity`).
    public var percentOfCapacity: Double
    /// The rate the load ran at: `capacity × percentOfCapacity / 100`, rounded to 0.1 req/s.
    public var rate: Double

    public init(capacity: Double, concurrency: Int, start: Double, seconds: Double, requests: Int, succeeded: Int,
                succeededInWindow: Int, errorsByKind: [String: Int] = [:], percentOfCapacity: Double, rate: Double) {
        self.capacity = capacity
        self.concurrency = concurrency
        self.start = start
        self.seconds = seconds
        self.requests = requests
        self.succeeded = succeeded
        self.succeededInWindow = succeededInWindow
        self.errorsByKind = errorsByKind
        self.percentOfCapacity = percentOfCapacity
        self.rate = rate
    }

    /// Failed requests (all of them, in the window or after).
    public var failed: Int { requests - succeeded }

    /// How it was measured, in words: `closed loop, 4 at a time, 10s, 413 requests` (and `, 2 failed`).
    public var method: String {
        "closed loop, \(concurrency) at a time, \(ScenarioDuration.seconds(seconds)), \(requests) request\(requests == 1 ? "" : "s")"
            + (failed > 0 ? ", \(failed) failed" : "")
    }

    /// One line for the timeline and the reports:
    /// `capacity 41.3 req/s (closed loop, 4 at a time, 10s, 413 requests); load at 95% = 39.2 req/s`.
    public var summary: String {
        String(format: "capacity %.1f req/s (%@); load at %g%% = %.1f req/s", capacity, method, percentOfCapacity, rate)
    }
}
