/// A check of the run's outcome, or (for `http`, `sql`, `kubernetes`) a steady-state check.
public struct Assertion: Sendable, Hashable, Codable {
    /// A readable name for reports; defaults to a description of the check.
    public var name: String
    public var kind: AssertionKind

    public init(name: String? = nil, _ kind: AssertionKind) {
        self.name = name ?? kind.defaultName
        self.kind = kind
    }
}

/// What an assertion checks. Handled by exhaustive `switch` in the runner and the evaluators.
public enum AssertionKind: Sendable, Hashable, Codable {
    /// An HTTP response: status, headers, JSON partial match (polled until it matches or `timeout`, or
    /// sampled throughout a window when it is an invariant).
    case http(HTTPAssertion)
    /// A SQL query's rows or value (polled until it matches or `timeout`, or sampled throughout a window
    /// when it is an invariant; diff on failure).
    case sql(SQLAssertion)
    /// A Kubernetes object contains the expected partial object (diff on failure).
    case kubernetes(KubernetesAssertion)
    /// Something recovered within a limit after a step's fault landed.
    case recoveryTime(RecoveryTimeAssertion)
    /// A phase's error rate and latency percentiles are within bounds.
    case slo(SLOAssertion)
    /// Every write the load attempted sorted into ok, lost, duplicated, unexpected, recovered, … (`WriteOutcome`).
    case writeLedger(WriteLedgerAssertion)
    /// During a rollout: no failed request, every request accounted to a version, the final version.
    case versionAccounting(VersionAccountingAssertion)
    /// A phase's achieved throughput against the target rate or another phase.
    case throughput(ThroughputAssertion)
    /// A phase's requests were served by at least N distinct pods.
    case servingPods(ServingPodsAssertion)
    /// What must hold throughout a step or phase for a workload's pods (from the pods' lives).
    case pods(PodsAssertion)
    /// No answer to the load carried another user's data (the stack's `traffic.isolation`, every answer checked).
    case isolation(IsolationAssertion)
    /// Every session (the stack's `traffic.session`) with enough answered requests was served by several pods.
    case sessions(SessionsAssertion)

    /// The key that names this kind in a file.
    public var kindName: String {
        switch self {
        case .http: return "http"
        case .sql: return "sql"
        case .kubernetes: return "kubernetes"
        case .recoveryTime: return "recoveryTime"
        case .slo: return "slo"
        case .writeLedger: return "writeLedger"
        case .versionAccounting: return "versionAccounting"
        case .throughput: return "throughput"
        case .servingPods: return "servingPods"
        case .pods: return "pods"
        case .isolation: return "isolation"
        case .sessions: return "sessions"
        }
    }

    /// Every assertion key, in the order the spec lists them.
    public static let kindNames = ["http", "sql", "kubernetes", "recoveryTime", "slo", "writeLedger",
                                   "versionAccounting", "throughput", "servingPods", "pods", "isolation", "sessions"]
    /// The kinds allowed as steady-state checks.
    public static let steadyStateKindNames = ["http", "sql", "kubernetes"]

    /// The `writeLedger` payload, nil for every other kind.
    public var writeLedger: WriteLedgerAssertion? {
        if case .writeLedger(let spec) = self { return spec } else { return nil }
    }

    /// The invariant form of an `http` or `sql` assertion (`throughout`), nil for every other assertion.
    public var invariant: Invariant? {
        switch self {
        case .http(let spec): return spec.invariant
        case .sql(let spec): return spec.invariant
        default: return nil
        }
    }

    /// Whether the assertion reads the load's request records (and so needs a `load` section).
    public var needsLoad: Bool {
        switch self {
        case .http, .sql, .kubernetes: return false
        case .recoveryTime(let spec): return spec.measure == .errorWindow || spec.measure == .firstSuccess
        case .slo, .writeLedger, .versionAccounting, .throughput, .servingPods, .isolation, .sessions: return true
        case .pods: return false
        }
    }

    /// A name for reports when the file gives none.
    public var defaultName: String {
        switch self {
        case .http(let spec):
            return "http \(spec.check.request.method) \(spec.check.request.path)" + (spec.invariant.map { " throughout \($0.throughout)" } ?? "")
        case .sql(let spec): return "sql \(spec.query.prefix(60))" + (spec.invariant.map { " throughout \($0.throughout)" } ?? "")
        case .kubernetes(let spec): return "kubernetes \(spec.kind)/\(spec.name)"
        case .recoveryTime(let spec):
            return "recoveryTime \(spec.measure.rawValue)\(spec.workload.map { " \($0)" } ?? "") after \(spec.after) within \(spec.within)"
        case .slo(let spec): return "slo \(spec.phase.rawValue)"
        case .writeLedger: return "writeLedger"
        case .versionAccounting(let spec): return "versionAccounting final \(spec.expectFinal)"
        case .throughput(let spec): return "throughput \(spec.phase.rawValue)"
        case .servingPods(let spec): return "servingPods \(spec.phase.rawValue) ≥ \(spec.atLeast)"
        case .pods(let spec): return "pods \(spec.workload)" + (spec.during.map { " during \($0)" } ?? "")
        case .isolation: return "isolation"
        case .sessions(let spec): return "sessions served by ≥ \(spec.minPods) pods"
        }
    }
}
