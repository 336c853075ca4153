import LabrunCore
import StackModel

/// Background load at a constant arrival rate (an open model: requests are sent on schedule
/// whether or not earlier ones have answered, so a slow server cannot hide its latency).
public struct LoadSpec: Sendable, Hashable, Codable {
    /// Arrivals per second: fixed, or a share of the capacity measured at the start of the run.
    public var rate: LoadRate
    /// Load-only time before the first step (phase `before`).
    public var before: ScenarioDuration
    /// Load-only time after recovery (phase `after`).
    public var after: ScenarioDuration
    /// When the load stops.
    public var until: LoadEnd
    /// Weights of the stack's operations (by name); at least one is positive.
    public var mix: [LoadOperation: Int]
    /// Per-request timeout; a request that takes longer counts as an error (`timeout`).
    public var requestTimeout: ScenarioDuration
    /// Concurrency cap: requests in flight at once. A send that would exceed it is recorded as
    /// an error (`overload`) rather than delayed, so the schedule never slips.
    public var maxInFlight: Int
    /// SLOs per phase; each one becomes an assertion of the run.
    public var slo: [Phase: SLOBounds]
    /// How many of the stack's users (`traffic.auth.jwt`) the load acts as, the first ones; nil for all.
    public var users: Int?

    public static let defaultRequestTimeout = ScenarioDuration(milliseconds: 5000)
    public static let defaultMaxInFlight = 256

    public init(rate: LoadRate, before: ScenarioDuration = .seconds(10), after: ScenarioDuration = .seconds(20),
                until: LoadEnd = .stepsDone, mix: [LoadOperation: Int] = [:],
                requestTimeout: ScenarioDuration = LoadSpec.defaultRequestTimeout,
                maxInFlight: Int = LoadSpec.defaultMaxInFlight, slo: [Phase: SLOBounds] = [:], users: Int? = nil) {
        self.rate = rate
        self.before = before
        self.after = after
        self.until = until
        self.mix = mix
        self.requestTimeout = requestTimeout
        self.maxInFlight = maxInFlight
        self.slo = slo
        self.users = users
    }

    /// The stack's traffic as this load sends it: with only its first `users` users.
    public func traffic(of stack: StackTraffic) -> StackTraffic {
        guard let users, case .jwt(var jwt)? = stack.auth, users < jwt.users.count else { return stack }
        var traffic = stack
        jwt.users = Array(jwt.users.prefix(users))
        traffic.auth = .jwt(jwt)
        return traffic
    }
}

/// When background load stops.
public enum LoadEnd: Sendable, Hashable, Codable {
    /// After the steps, recovery and the `after` window.
    case stepsDone
    /// After a fixed total time from the load's start.
    case duration(ScenarioDuration)
}

/// How fast the background load sends.
public enum LoadRate: Sendable, Hashable, Codable {
    /// This many arrivals per second, on every machine.
    case fixed(Double)
    /// A share of the stack's capacity, measured at the start of the run on the stack as set up, so
    /// that the load means the same ("a bit over what it can take") on a slow machine and a fast one.
    case ofCapacity(CapacityCalibration)

    /// The rate when it is fixed; nil when it is measured at the start of the run.
    public var fixedRate: Double? {
        switch self {
        case .fixed(let rate): return rate
        case .ofCapacity: return nil
        }
    }
}

/// How the capacity behind a relative load rate is measured, and which share of it the load sends.
///
/// `concurrency` workers send requests of the load's mix in a closed loop (each sends its next request
/// as soon as its previous one answered) for `measureFor`; the capacity is the successful answers in
/// that window per second. The load then runs at `percentOfCapacity` percent of it.
public struct CapacityCalibration: Sendable, Hashable, Codable {
    /// The load's rate as a percentage of the measured capacity (> 0, ≤ 1000).
    public var percentOfCapacity: Double
    /// How long the capacity is measured (2s to 5m).
    public var measureFor: ScenarioDuration
    /// Requests in flight at once while measuring (1–64).
    public var concurrency: Int

    public static let defaultMeasureFor = ScenarioDuration.seconds(10)
    public static let defaultConcurrency = 4
    /// The shortest and longest measurement the validator accepts.
    public static let measureForRange = ScenarioDuration.seconds(2)...ScenarioDuration.seconds(300)
    /// The lowest rate the load runs at; a calibration that gives less is an error.
    public static let lowestRate = 0.1

    public init(percentOfCapacity: Double, measureFor: ScenarioDuration = CapacityCalibration.defaultMeasureFor,
                concurrency: Int = CapacityCalibration.defaultConcurrency) {
        self.percentOfCapacity = percentOfCapacity
        self.measureFor = measureFor
        self.concurrency = concurrency
    }

    /// The load's rate for a measured capacity: `capacity × percentOfCapacity / 100`, rounded to 0.1 req/s.
    /// Throws `LOAD_RATE_TOO_LOW` when that comes out below 0.1 req/s.
    public func rate(forCapacity capacity: Double) throws -> Double {
        let rate = (capacity * percentOfCapacity / 100 * 10).rounded() / 10
        guard rate >= Self.lowestRate else {
            throw LabrunError(
                id: ErrorID.loadRateTooLow,
                message: String(format: "The measured capacity of %.1f req/s at %g%% gives a load of %.2f req/s, "
                                + "below the lowest rate of 0.1 req/s.", capacity, percentOfCapacity,
                                capacity * percentOfCapacity / 100),
                advice: "Check that the stack answers (the steady state, the API workload's logs), or raise "
                    + "load.rate.percentOfCapacity.")
        }
        return rate
    }
}
