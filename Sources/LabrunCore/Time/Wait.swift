/// The one helper behind every wait in labrun: poll a condition until it holds or a timeout names
/// what never happened. Nothing in labrun sleeps blindly.
public struct Wait: Sendable {
    public var timeout: Double
    public var interval: Double
    public var clock: any LabClock

    /// Named defaults, like e2e-framework's `wait.For`.
    public static let quick = Wait(timeout: 10, interval: 0.2)
    public static let rollout = Wait(timeout: 180, interval: 0.5)
    public static let cluster = Wait(timeout: 300, interval: 1)

    public init(timeout: Double, interval: Double, clock: any LabClock = SystemClock()) {
        self.timeout = timeout
        self.interval = interval
        self.clock = clock
    }

    public func with(timeout: Double) -> Wait { Wait(timeout: timeout, interval: interval, clock: clock) }

    /// Polls `check` until it returns a value, and returns it. `check` returns `nil` while the
    /// condition does not hold; it may also report what it saw, for the timeout message.
    /// Errors thrown by `check` end the wait at once.
    public func until<T: Sendable>(_ what: String,
                                   _ check: () async throws -> Poll<T>) async throws -> T {
        let start = clock.now()
        var lastSeen: String?
        while true {
            switch try await check() {
            case .done(let value): return value
            case .pending(let seen): lastSeen = seen ?? lastSeen
            }
            let elapsed = clock.now() - start
            if elapsed >= timeout { throw LabrunError.timeout(what, after: timeout, lastSeen: lastSeen) }
            try await clock.sleep(seconds: min(interval, timeout - elapsed))
        }
    }

    /// Polls a Boolean condition.
    public func until(_ what: String, _ check: () async throws -> Bool) async throws {
        let _: Bool = try await until(what) { try await check() ? .done(true) : .pending(nil) }
    }
}

/// One poll's answer: finished with a value, or not yet (with what was seen).
public enum Poll<T: Sendable>: Sendable {
    case done(T)
    case pending(String?)
}
