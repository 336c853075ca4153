import Foundation
import ScenarioModel

/// Tells a running `LoadRunner` when to stop scheduling, from another task (the step runner).
///
/// Requests whose intended time is at or after the stop time are not sent; requests already in
/// flight finish and are recorded.
public final class LoadControl: @unchecked Sendable {
    private let lock = NSLock()
    private var storedStopTime: Double?

    public init(stopAt: Double? = nil) { storedStopTime = stopAt }

    /// Stop at `time` (run clock); an earlier stop time wins.
    public func stop(at time: Double) {
        lock.withLock { storedStopTime = min(storedStopTime ?? time, time) }
    }

    /// Whether a request intended at `time` should no longer be sent.
    public func isStopped(at time: Double) -> Bool {
        lock.withLock { storedStopTime.map { time >= $0 } ?? false }
    }

    /// The stop time so far (run clock), if one was set.
    public var stopTime: Double? { lock.withLock { storedStopTime } }
}
