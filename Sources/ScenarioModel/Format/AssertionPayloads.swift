import LabrunCore

/// `http` assertion: a request and the response it must get, polled for up to `timeout`.
/// With `repeat: n` the request is sent n times with `{{i}}` replaced by 1…n, and each must match.
/// With `invariant` (`throughout`), it is sampled for a whole step or phase instead, and every sample must match.
public struct HTTPAssertion: Sendable, Hashable, Codable {
    public var check: HTTPCheck
    public var timeout: ScenarioDuration
    public var repeatCount: Int
    /// Set when the response must match at every sample of a window rather than once at the end.
    public var invariant: Invariant?

    public static let defaultTimeout = ScenarioDuration(milliseconds: 10_000)

    public init(check: HTTPCheck, timeout: ScenarioDuration = HTTPAssertion.defaultTimeout, repeatCount: Int = 1,
                invariant: Invariant? = nil) {
        self.check = check
        self.timeout = timeout
        self.repeatCount = repeatCount
        self.invariant = invariant
    }
}

/// `sql` assertion: a parameterised query (`$1`, `$2`, …) run read-only in the stack's database, polled
/// for up to `timeout` — or, with `invariant` (`throughout`), sampled for a whole step or phase.
public struct SQLAssertion: Sendable, Hashable, Codable {
    public var query: String
    public var params: [JSONValue]
    public var expect: SQLExpectation
    public var timeout: ScenarioDuration
    /// Set when the result must match at every sample of a window rather than once at the end.
    public var invariant: Invariant?

    public static let defaultTimeout = ScenarioDuration(milliseconds: 10_000)

    public init(query: String, params: [JSONValue] = [], expect: SQLExpectation,
                timeout: ScenarioDuration = SQLAssertion.defaultTimeout, invariant: Invariant? = nil) {
        self.query = query
        self.params = params
        self.expect = expect
        self.timeout = timeout
        self.invariant = invariant
    }
}

/// What a SQL query must return.
public enum SQLExpectation: Sendable, Hashable, Codable {
    /// These rows (each a subset of columns), in order when `ordered`, else in any order; no other rows.
    case rows([[String: JSONValue]], ordered: Bool)
    /// The first column of the only row.
    case value(JSONValue)
    /// Just the number of rows.
    case rowCount(Int)
}

/// `kubernetes` assertion: an object that must contain `expect` (a partial object).
public struct KubernetesAssertion: Sendable, Hashable, Codable {
    public var apiVersion: String
    public var kind: String
    public var name: String
    /// `nil` is the run's namespace.
    public var namespace: String?
    public var expect: JSONValue
    public var timeout: ScenarioDuration

    public static let defaultTimeout = ScenarioDuration(milliseconds: 30_000)

    public init(apiVersion: String, kind: String, name: String, namespace: String? = nil, expect: JSONValue,
                timeout: ScenarioDuration = KubernetesAssertion.defaultTimeout) {
        self.apiVersion = apiVersion
        self.kind = kind
        self.name = name
        self.namespace = namespace
        self.expect = expect
        self.timeout = timeout
    }
}

/// `recoveryTime` assertion: the time from a step's fault landing until `measure` holds.
public struct RecoveryTimeAssertion: Sendable, Hashable, Codable {
    public var measure: RecoveryMeasure
    /// The workload for `replicasReady`.
    public var workload: String?
    /// The step whose fault starts the clock.
    public var after: String
    public var within: ScenarioDuration

    public init(measure: RecoveryMeasure, workload: String? = nil, after: String, within: ScenarioDuration) {
        self.measure = measure
        self.workload = workload
        self.after = after
        self.within = within
    }
}

/// What "recovered" means for a `recoveryTime` assertion.
public enum RecoveryMeasure: String, Sendable, Hashable, Codable, CaseIterable {
    /// Every desired replica of `workload` is ready again (from the runner's watch).
    case replicasReady
    /// The load's error window: from the fault to the last failed request that followed it.
    case errorWindow
    /// From the fault to the first successful request that started after it.
    case firstSuccess
}

/// `slo` assertion: bounds for one phase of the load.
public struct SLOAssertion: Sendable, Hashable, Codable {
    public var phase: Phase
    public var bounds: SLOBounds

    public init(phase: Phase, bounds: SLOBounds) {
        self.phase = phase
        self.bounds = bounds
    }
}

/// `writeLedger` assertion: every write the load attempted, sorted into the classes of `WriteOutcome`
/// against the rows in the database, and the time each acknowledged write took to become visible.
public struct WriteLedgerAssertion: Sendable, Hashable, Codable {
    /// The stack file's ledger it reconciles; nil for the first one.
    public var ledger: String?
    /// Acknowledged writes allowed to be absent.
    public var maxLost: Int
    /// Writes allowed to be present more than once.
    public var maxDuplicated: Int
    /// Writes allowed to be present though never sent or refused with a 4xx.
    public var maxUnexpected: Int
    /// Whether indeterminate writes (timeout, connection error, 5xx) that turned up anyway are accepted.
    public var allowRecovered: Bool
    /// How often the ledger is read while the load runs, to time visibility: the figures' resolution.
    public var readEvery: ScenarioDuration

    /// The shortest and longest `readEvery` a scenario may ask for.
    public static let readEveryRange = ScenarioDuration(milliseconds: 100)...ScenarioDuration(milliseconds: 60_000)

    public init(ledger: String? = nil, maxLost: Int = 0, maxDuplicated: Int = 0, maxUnexpected: Int = 0, allowRecovered: Bool = true,
                readEvery: ScenarioDuration = .seconds(1)) {
        self.ledger = ledger
        self.maxLost = maxLost
        self.maxDuplicated = maxDuplicated
        self.maxUnexpected = maxUnexpected
        self.allowRecovered = allowRecovered
        self.readEvery = readEvery
    }
}

/// `versionAccounting` assertion: which versions served when during a rollout.
public struct VersionAccountingAssertion: Sendable, Hashable, Codable {
    /// The rollout step; `nil` means the whole `during` phase.
    public var during: String?
    /// The version every request must be served by at the end.
    public var expectFinal: String
    /// Versions that may appear; empty means any.
    public var expectVersions: [String]
    /// Failed requests allowed during the rollout window.
    public var maxFailed: Int

    public init(during: String? = nil, expectFinal: String, expectVersions: [String] = [], maxFailed: Int = 0) {
        self.during = during
        self.expectFinal = expectFinal
        self.expectVersions = expectVersions
        self.maxFailed = maxFailed
    }
}

/// `throughput` assertion: a phase's successful requests per second.
public struct ThroughputAssertion: Sendable, Hashable, Codable {
    public var phase: Phase
    /// Achieved successful rate as a percentage of `load.rate`.
    public var minPercentOfTarget: Double?
    /// Another phase whose throughput this phase must reach at least (ratio ≥ `minRatio`).
    public var comparedTo: Phase?
    public var minRatio: Double
    /// Counts only requests answered within this latency (measured from their intended start, as
    /// every latency here): the throughput *at the SLO*. Without it, every 2xx counts.
    public var within: ScenarioDuration?

    public init(phase: Phase, minPercentOfTarget: Double? = nil, comparedTo: Phase? = nil, minRatio: Double = 1,
                within: ScenarioDuration? = nil) {
        self.phase = phase
        self.minPercentOfTarget = minPercentOfTarget
        self.comparedTo = comparedTo
        self.minRatio = minRatio
        self.within = within
    }
}

/// `isolation` assertion: at most `maxForeign` answers to the load (over the whole run) carried another
/// user's data, as the stack's `traffic.isolation.owner` finds it in every 2xx answer.
public struct IsolationAssertion: Sendable, Hashable, Codable {
    public var maxForeign: Int

    public init(maxForeign: Int = 0) {
        self.maxForeign = maxForeign
    }
}

/// `sessions` assertion: every session (the stack's `traffic.session`) that got at least `minRequests`
/// successful answers was served by at least `minPods` distinct pods — proof that any replica serves
/// any turn of a conversation, and that nothing pins a session to one pod.
public struct SessionsAssertion: Sendable, Hashable, Codable {
    public var minPods: Int
    public var minRequests: Int

    public init(minPods: Int = 2, minRequests: Int = 10) {
        self.minPods = minPods
        self.minRequests = minRequests
    }
}

/// `servingPods` assertion: at least `atLeast` distinct pods answered in `phase`.
public struct ServingPodsAssertion: Sendable, Hashable, Codable {
    public var phase: Phase
    public var atLeast: Int

    public init(phase: Phase, atLeast: Int) {
        self.phase = phase
        self.atLeast = atLeast
    }
}

/// `pods` assertion: what must hold at every moment of a step or phase for a workload's pods, judged
/// from the pods' lives the run's watch recorded (issue 12: invariants over a window, not only at
/// the end): ready pods never below `readyAtLeast`, at most `maxRestarts` container restarts, and
/// (with `exitedByThemselves`) no container of the workload ended killed (SIGKILL, OOM) in the window.
public struct PodsAssertion: Sendable, Hashable, Codable {
    public var workload: String
    /// A step's name, or a phase (`before`, `during`, `after`); nil: the whole load.
    public var during: String?
    public var readyAtLeast: Int?
    public var maxRestarts: Int?
    public var exitedByThemselves: Bool

    public init(workload: String, during: String? = nil, readyAtLeast: Int? = nil, maxRestarts: Int? = nil,
                exitedByThemselves: Bool = false) {
        self.workload = workload
        self.during = during
        self.readyAtLeast = readyAtLeast
        self.maxRestarts = maxRestarts
        self.exitedByThemselves = exitedByThemselves
    }
}
