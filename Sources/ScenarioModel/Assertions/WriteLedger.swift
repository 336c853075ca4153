/// Reconciles the writes the API acknowledged with the rows in the database.
///
/// Input: the load's request records (each request of the stack's ledger operation carries an
/// idempotency key) and, from the database (the stack file's ledger query),
/// the number of rows per idempotency key. Every key answered 2xx must have exactly one row:
/// none *lost*, none *duplicated*. Keys whose request failed or timed out may or may not have
/// committed; present ones are reported as *unacknowledged but present* (the client could not know).
public struct WriteLedger: Sendable, Hashable, Codable {
    /// Keys of writes answered 2xx.
    public var acknowledged: [String]
    /// Acknowledged keys with no row.
    public var lost: [String]
    /// Keys (acknowledged or not) with more than one row, and how many.
    public var duplicated: [String: Int]
    /// Keys whose write was not acknowledged but whose row exists.
    public var unacknowledgedPresent: [String]
    /// Keys whose write was not acknowledged and has no row (consistent: the client saw a failure).
    public var unacknowledgedAbsent: Int
    /// Rows with keys this run never sent (another client, an earlier run), ignored but counted.
    public var foreignRows: Int

    /// Reconciles the records of `operation` with `rows` (idempotency key → row count in the database).
    public init(records: some Sequence<RequestRecord>, operation: LoadOperation, rows: [String: Int]) {
        var acknowledged: Set<String> = []
        var attempted: Set<String> = []
        for record in records where record.operation == operation {
            guard let key = record.idempotencyKey else { continue }
            attempted.insert(key)
            if record.succeeded { acknowledged.insert(key) }
        }
        self.acknowledged = acknowledged.sorted()
        lost = acknowledged.filter { (rows[$0] ?? 0) == 0 }.sorted()
        duplicated = rows.filter { attempted.contains($0.key) && $0.value > 1 }
        let unacknowledged = attempted.subtracting(acknowledged)
        unacknowledgedPresent = unacknowledged.filter { (rows[$0] ?? 0) > 0 }.sorted()
        unacknowledgedAbsent = unacknowledged.count - unacknowledgedPresent.count
        foreignRows = rows.filter { !attempted.contains($0.key) }.values.reduce(0, +)
    }

    /// The verdict of a `writeLedger` assertion, with the offending keys listed.
    public func evaluate(_ spec: WriteLedgerAssertion, name: String) -> AssertionResult {
        var problems: [String] = []
        if lost.count > spec.maxLost { problems.append("\(lost.count) acknowledged write(s) lost (allowed \(spec.maxLost))") }
        if duplicated.count > spec.maxDuplicated {
            problems.append("\(duplicated.count) write(s) duplicated (allowed \(spec.maxDuplicated))")
        }
        if !spec.allowUnacknowledged && !unacknowledgedPresent.isEmpty {
            problems.append("\(unacknowledgedPresent.count) unacknowledged write(s) present")
        }
        let measured: [String: Double] = [
            "acknowledged": Double(acknowledged.count), "lost": Double(lost.count), "duplicated": Double(duplicated.count),
            "unacknowledgedPresent": Double(unacknowledgedPresent.count),
        ]
        if problems.isEmpty {
            return .passed(name, kind: "writeLedger",
                           "all \(acknowledged.count) acknowledged write(s) are in the database exactly once", details: report, measured: measured)
        }
        return .failed(name, kind: "writeLedger", problems.joined(separator: "; "), details: report, measured: measured)
    }

    /// A readable report: counts, then the keys in each problem class (at most 20 each).
    public var report: [String] {
        var lines = ["acknowledged \(acknowledged.count), lost \(lost.count), duplicated \(duplicated.count), "
                     + "unacknowledged present \(unacknowledgedPresent.count), unacknowledged absent \(unacknowledgedAbsent)"
                     + (foreignRows > 0 ? ", rows from other clients \(foreignRows)" : "")]
        func list(_ title: String, _ keys: [String]) {
            guard !keys.isEmpty else { return }
            lines.append("\(title):")
            lines += keys.prefix(20).map { "  \($0)" }
            if keys.count > 20 { lines.append("  … and \(keys.count - 20) more") }
        }
        list("lost (acknowledged, no row)", lost)
        list("duplicated (rows per key)", duplicated.keys.sorted().map { "\($0) × \(duplicated[$0] ?? 0)" })
        list("unacknowledged but present", unacknowledgedPresent)
        return lines
    }
}
