/// Intended send times of a constant arrival rate (an open model, like wrk2 or k6's
/// `constant-arrival-rate`).
///
/// Request `i` is due at `start + i / rate`, whatever happened to earlier requests: a slow server
/// cannot slow the load down, and each request's latency is measured from its due time.
public struct ArrivalSchedule: Sendable, Hashable {
    /// Arrivals per second (> 0).
    public let rate: Double
    /// The due time of request 0, seconds on the run's clock.
    public let start: Double

    public init(rate: Double, start: Double) {
        precondition(rate > 0, "an arrival rate must be positive")
        self.rate = rate
        self.start = start
    }

    /// The seconds between two arrivals.
    public var interval: Double { 1 / rate }

    /// The due time of request `index`.
    public func intendedTime(of index: Int) -> Double { start + Double(index) / rate }

    /// How many requests are due strictly before `time` (the index of the next one not yet due).
    public func dueCount(before time: Double) -> Int {
        guard time > start else { return 0 }
        // Rounding guards against 0.1 + 0.2 style error landing a request in the wrong window.
        let exact = (time - start) * rate
        let rounded = exact.rounded()
        if abs(exact - rounded) < 1e-9 { return Int(rounded) }
        return Int(exact.rounded(.up))
    }

    /// The indices of requests due in `[from, to)`.
    public func indices(from: Double, to: Double) -> Range<Int> {
        let lower = dueCount(before: from)
        return lower..<max(lower, dueCount(before: to))
    }

    /// Due times of every request in `[start, start + duration)`.
    public func intendedTimes(for duration: Double) -> [Double] {
        indices(from: start, to: start + duration).map(intendedTime(of:))
    }
}
