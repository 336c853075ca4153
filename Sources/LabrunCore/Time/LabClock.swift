import Foundation

/// Time, behind a protocol so waits and timelines are unit-tested without sleeping.
public protocol LabClock: Sendable {
    /// Monotonic seconds since an arbitrary origin; use for durations.
    func now() -> Double
    /// Wall-clock time; use for timestamps in reports.
    func wallTime() -> Date
    func sleep(seconds: Double) async throws
}

/// The real clock.
public struct SystemClock: LabClock {
    public init() {}

    public func now() -> Double {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
    }

    public func wallTime() -> Date { Date() }

    /// Sleeps `seconds` (nothing for zero, negative or NaN). Lengths past what `UInt64` nanoseconds
    /// hold (584 years, or infinity) sleep that long instead of trapping on the conversion.
    public func sleep(seconds: Double) async throws {
        guard seconds > 0 else { return }
        let nanoseconds = seconds * 1e9
        try await Task.sleep(nanoseconds: nanoseconds < Double(UInt64.max) ? UInt64(nanoseconds) : .max)
    }
}

/// A clock that moves only when told to (or when slept on): for unit tests.
public final class ManualClock: LabClock, @unchecked Sendable {
    private let lock = NSLock()
    private var current: Double
    private let origin: Date

    public init(start: Double = 0, origin: Date = Date(timeIntervalSince1970: 1_800_000_000)) {
        current = start
        self.origin = origin
    }

    public func now() -> Double { lock.withLock { current } }
    public func wallTime() -> Date { origin.addingTimeInterval(now()) }
    public func advance(by seconds: Double) { lock.withLock { current += seconds } }
    public func sleep(seconds: Double) async throws {
        try Task.checkCancellation()
        advance(by: max(seconds, 0))
        await Task.yield()
    }
}
