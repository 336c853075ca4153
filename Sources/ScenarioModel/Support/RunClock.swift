import Foundation
import LabrunCore

/// A clock whose zero is the start of a run: every time in a result (steps, faults, requests,
/// timeline) is "seconds since the run started", on one clock.
public struct RunClock: LabClock {
    public let base: any LabClock
    /// The base clock's reading at the run's start.
    public let origin: Double

    public init(base: any LabClock, origin: Double? = nil) {
        self.base = base
        self.origin = origin ?? base.now()
    }

    public func now() -> Double { base.now() - origin }
    public func wallTime() -> Date { base.wallTime() }
    public func sleep(seconds: Double) async throws { try await base.sleep(seconds: seconds) }
}
