import LabrunCore

/// Keeps the starts of side-by-side runs at least `interval` seconds apart (`labrun all`'s
/// `SuitePlan`, the end-to-end tests' gate).
///
/// Runs that start together deploy together (seven pods each, their Python imports on two cores) and
/// reach their faults together. In the fresh-clone CI of 7 December three runs started at once after
/// the exclusive ones: `user-isolation-under-load` rolled three new backend pods while
/// `chaos-pod-kill`'s replacement pod started, which took 13 s to get its container and 16 s more to
/// listen, Ready 30.3 s after the delete against the scenario's 30 s. Spaced starts spread the bursts.
public actor StartSpacing {
    /// Seconds between the starts of runs side by side: about a deploy's time on a busy 2-core
    /// machine, so that no two runs deploy at once and their faults do not come in step. It delays
    /// only starts that would follow one another closely: the slots' first starts, rarely any later.
    public static let betweenRuns: Double = 15

    public let interval: Double
    let clock: any LabClock
    /// When the next start may be; nil before the first.
    private var next: Double?

    public init(interval: Double, clock: any LabClock = SystemClock()) {
        self.interval = max(0, interval)
        self.clock = clock
    }

    /// Waits for this start's turn: `interval` after the previous one's (the first goes at once).
    /// Throws when the task is cancelled while it waits.
    public func turn() async throws {
        let now = clock.now()
        let at = max(now, next ?? now)
        next = at + interval
        if at > now { try await clock.sleep(seconds: at - now) }
    }
}
