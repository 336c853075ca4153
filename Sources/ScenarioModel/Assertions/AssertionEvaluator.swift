import LabrunCore

/// Turns observations into assertion results. Pure: the runner performs the I/O (HTTP requests,
/// SQL queries, Kubernetes reads) and hands the answers here.
public enum AssertionEvaluator {
    /// Evaluates an assertion that reads only the run's observations (an invariant from its samples).
    /// Returns `nil` for the kinds that need a live answer at the end (`http`, `sql` without `throughout`,
    /// `kubernetes`): use `http(…)`, `sql(…)`, `kubernetes(…)` with it.
    public static func evaluate(_ assertion: Assertion, _ observed: RunObservations) -> AssertionResult? {
        let name = assertion.name
        let load = LoadEvaluator(records: observed.records, windows: observed.windows, targetRate: observed.targetRate)
        switch assertion.kind {
        case .http, .sql, .kubernetes:
            guard let invariant = assertion.kind.invariant else { return nil }
            return InvariantEvaluator.evaluate(invariant, name: name, kind: assertion.kind.kindName, samples: observed.invariants[assertion])
        case .slo(let spec):
            guard let operations = spec.operations.map(Set.init) else { return load.slo(spec.phase, spec.bounds, name: name) }
            let only = observed.records.filter { operations.contains($0.operation) }
            return LoadEvaluator(records: only, windows: observed.windows, targetRate: observed.targetRate)
                .slo(spec.phase, spec.bounds, name: name)
        case .throughput(let spec):
            return load.throughput(spec, name: name)
        case .servingPods(let spec):
            return load.servingPods(spec, name: name)
        case .sessions(let spec):
            return load.sessions(spec, name: name)
        case .isolation(let spec):
            return load.isolation(spec, name: name)
        case .pods(let spec):
            let (window, label): (ClosedRange<Double>, String)
            if let during = spec.during, let phase = Phase(rawValue: during) {
                let span = observed.windows.window(phase)
                (window, label) = (span.start...max(span.start, span.end), "the \(during) phase")
            } else if let step = spec.during {
                guard let span = observed.window(of: step) else {
                    return AssertionResult(name: name, kind: "pods", verdict: .error, message: "step \(step) did not run, so there is no window to judge")
                }
                (window, label) = (span, "step \(step)")
            } else {
                let span = observed.windows.window(.during)
                (window, label) = (span.start...max(span.start, span.end), "the steps")
            }
            return PodsEvaluator.evaluate(spec, name: name, pods: observed.pods, window: window, windowName: label)
        case .writeLedger(let spec):
            guard let ledger = observed.ledger(named: spec.ledger) else {
                return .failed(name, kind: "writeLedger", spec.ledger.map { "the stack file has no ledger named \($0)" }
                               ?? "the stack file has no ledger section, so the writes cannot be reconciled")
            }
            guard let rows = ledger.rows else {
                return AssertionResult(name: name, kind: "writeLedger", verdict: .error,
                                       message: "the rows of ledger \(ledger.name) could not be read, so the ledger cannot be reconciled")
            }
            return WriteLedger(records: ChainedRecords(observed.calibrationRecords, observed.records), operations: ledger.operations,
                               rows: rows, seen: ledger.seen).evaluate(spec, name: name, ledger: ledger.name)
        case .versionAccounting(let spec):
            let during = observed.windows.window(.during)
            let window = spec.during.flatMap(observed.window(of:)) ?? during.start...max(during.start, during.end)
            return VersionAccounting(records: observed.records, window: window).evaluate(spec, name: name)
        case .recoveryTime(let spec):
            guard let fault = observed.faultTime(of: spec.after) else {
                return AssertionResult(name: name, kind: "recoveryTime", verdict: .error,
                                       message: "step \(spec.after) did not run, so there is no fault to measure from")
            }
            let nextStep = observed.steps.map(\.start).filter { $0 > fault }.min()
            let measured = RecoveryEvaluator.measure(spec.measure, faultAt: fault, readyAt: observed.readyAt[spec.after],
                                                     records: observed.records, until: nextStep)
            var result = RecoveryEvaluator.evaluate(spec, measured: measured, name: name)
            if measured == nil {
                // What the step's actions saw explains it (a node fault: whether the pods were rescheduled).
                let step = observed.steps.first { $0.name == spec.after }
                result.details += (step?.operations ?? []).filter { $0.block == "try" }.compactMap { $0.message.map { "step \(spec.after): \($0)" } }
            }
            return result
        }
    }

    /// An `http` assertion against one response (the runner polls until this passes or time runs out).
    public static func http(_ spec: HTTPAssertion, name: String, status: Int, headers: [String: String], body: JSONValue?) -> AssertionResult {
        var problems: [String] = []
        var details: [String] = []
        if !spec.check.expect.accepts(status: status) {
            let wanted = spec.check.expect.status.isEmpty ? "2xx" : spec.check.expect.status.map(String.init).joined(separator: " or ")
            problems.append("status \(status), expected \(wanted)")
        }
        let lowered = Dictionary(headers.map { ($0.key.lowercased(), $0.value) }, uniquingKeysWith: { first, _ in first })
        for (key, value) in spec.check.expect.headers.sorted(by: { $0.key < $1.key }) where lowered[key.lowercased()] != value {
            problems.append("header \(key) is \(lowered[key.lowercased()].map { "\"\($0)\"" } ?? "missing"), expected \"\(value)\"")
        }
        if let expected = spec.check.expect.json {
            if let body {
                let mismatches = JSONPartialMatch.mismatches(expected: expected, actual: body)
                if !mismatches.isEmpty {
                    problems.append("body differs at \(mismatches.count) place(s)")
                    details += JSONPartialMatch.diff(mismatches)
                }
            } else {
                problems.append("body is not JSON")
            }
        }
        let request = "\(spec.check.request.method) \(spec.check.request.path)"
        return problems.isEmpty
            ? .passed(name, kind: "http", "\(request) → \(status)")
            : .failed(name, kind: "http", "\(request): " + problems.joined(separator: "; "), details: details)
    }

    /// A `sql` assertion against one query result.
    public static func sql(_ spec: SQLAssertion, name: String, result: SQLResultSet) -> AssertionResult {
        guard let difference = SQLComparison.compare(expected: spec.expect, actual: result) else {
            return .passed(name, kind: "sql", "\(result.rows.count) row(s) as expected")
        }
        return .failed(name, kind: "sql", difference.summary, details: difference.diff)
    }

    /// A `kubernetes` assertion against the object as read (nil: not found).
    public static func kubernetes(_ spec: KubernetesAssertion, name: String, object: JSONValue?) -> AssertionResult {
        let what = "\(spec.kind)/\(spec.name)"
        guard let object else { return .failed(name, kind: "kubernetes", "\(what) was not found") }
        let mismatches = JSONPartialMatch.mismatches(expected: spec.expect, actual: object)
        return mismatches.isEmpty
            ? .passed(name, kind: "kubernetes", "\(what) matches")
            : .failed(name, kind: "kubernetes", "\(what) differs at \(mismatches.count) place(s)", details: JSONPartialMatch.diff(mismatches))
    }
}
