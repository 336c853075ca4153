/// What a run observed, as plain values: the input of every load-based assertion.
///
/// The runner fills it in (records from the load generator, times from the step runner and the
/// watches, row counts from Postgres); the evaluation itself is pure.
public struct RunObservations: Sendable {
    /// The load's requests (its spill file in a run).
    public var records: RequestRecords
    public var windows: PhaseWindows
    /// The load's rate in requests per second: `load.rate`, or the share of the capacity measured at the start.
    public var targetRate: Double
    /// Results of the steps, with operation timings and when each fault landed.
    public var steps: [StepResult]
    /// For `recoveryTime` / `replicasReady`: step name → when the workload's replicas were all ready again.
    public var readyAt: [String: Double]
    /// For `writeLedger`: what each ledger of the stack file found, in the file's order (the first is
    /// the default of an assertion that names none).
    public var ledgers: [LedgerObservation]
    /// The capacity probe's requests (before the load's start, outside its schedule). Only the write
    /// ledger reads them: their writes must be in the database like the load's, but they are no part of any
    /// phase, rate or recovery measure.
    public var calibrationRecords: RequestRecords
    /// For `pods`: every pod's life during the run, from the namespace's watch.
    public var pods: [PodLifeEvent]
    /// For invariants (`http` / `sql` with `throughout`): what the samples of each saw; an assertion whose
    /// window never opened has none. Two equal assertions share their samples.
    public var invariants: [Assertion: InvariantSamples]

    public init(records: RequestRecords, windows: PhaseWindows, targetRate: Double, steps: [StepResult] = [],
                readyAt: [String: Double] = [:], ledgers: [LedgerObservation] = [], calibrationRecords: RequestRecords = [RequestRecord](),
                pods: [PodLifeEvent] = [], invariants: [Assertion: InvariantSamples] = [:]) {
        self.records = records
        self.windows = windows
        self.targetRate = targetRate
        self.steps = steps
        self.readyAt = readyAt
        self.ledgers = ledgers
        self.calibrationRecords = calibrationRecords
        self.pods = pods
        self.invariants = invariants
    }

    /// The ledger an assertion names, or the first one.
    public func ledger(named name: String?) -> LedgerObservation? {
        guard let name else { return ledgers.first }
        return ledgers.first { $0.name == name }
    }

    /// When a step's fault landed: the first `try` operation that recorded one, else the step's start.
    public func faultTime(of step: String) -> Double? {
        guard let result = steps.first(where: { $0.name == step }) else { return nil }
        return result.operations.first { $0.block == "try" && $0.faultLandedAt != nil }?.faultLandedAt ?? result.start
    }

    /// A step's `[start, end]`.
    public func window(of step: String) -> ClosedRange<Double>? {
        steps.first { $0.name == step }.map { $0.start...max($0.start, $0.end) }
    }
}

/// What one write ledger found: the operations it tracks, the rows per key at the end, and what its
/// reads during the run saw.
public struct LedgerObservation: Sendable {
    public var name: String
    public var operations: Set<LoadOperation>
    /// Idempotency key → rows in the database; nil when the rows could not be read.
    public var rows: [String: Int]?
    /// What the reads during the run saw; nil when it was not watched.
    public var seen: LedgerVisibility?

    public init(name: String, operations: Set<LoadOperation>, rows: [String: Int]?, seen: LedgerVisibility? = nil) {
        self.name = name
        self.operations = operations
        self.rows = rows
        self.seen = seen
    }
}
