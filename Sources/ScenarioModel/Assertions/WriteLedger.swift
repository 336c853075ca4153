import Foundation
import StackModel

/// Reconciles the writes the load attempted with the rows in the database, after Jepsen's set checker.
///
/// Input: the load's request records (each request of the stack's ledger operation carries an
/// idempotency key unique to the run), from the database (the stack file's ledger query, which finds
/// the keys with the run's prefix) the number of rows per key, and what the reads of the ledger during
/// the run saw. Every attempted key, and every key with the run's prefix in the database, is sorted
/// into one `WriteOutcome` (see there for the table); acknowledged writes present at the end are timed
/// from their acknowledgement to the first read that found them (`LedgerVisibility`).
public struct WriteLedger: Sendable {
    /// Writes the load saw acknowledged (2xx), whatever their rows.
    public private(set) var acknowledged = 0
    /// Keys per class, each list sorted.
    public private(set) var keys: [WriteOutcome: [String]] = [:]
    /// Rows per key, for keys with more than one.
    public private(set) var rowCounts: [String: Int] = [:]
    /// How the client saw each unexpected or recovered key's request end (`status 422`, `timeout`,
    /// `never sent`); `never attempted` when the load never had the key.
    public private(set) var answers: [String: String] = [:]
    /// Seconds from acknowledgement to visibility, and the reads behind them; nil with fewer than two reads.
    public private(set) var visibility: VisibilitySummary?
    /// Lost keys a read found during the run before a later read missed them: key → (found, missed), run clock.
    public private(set) var vanished: [String: (found: Double, missed: Double)] = [:]

    /// Writes the load attempted (sent or not), whatever their answers.
    public private(set) var attempted = 0

    /// Reconciles the records of `operations` with `rows` (idempotency key → row count) and the reads in `seen`.
    public init(records: some Sequence<RequestRecord>, operations: Set<LoadOperation>, rows: [String: Int], seen: LedgerVisibility? = nil) {
        var answer: [String: WriteAnswer] = [:]
        var label: [String: String] = [:]
        var acknowledgedAt: [String: Double] = [:]
        for record in records where operations.contains(record.operation) {
            guard let key = record.idempotencyKey else { continue }
            let this = WriteAnswer(record.outcome)
            if answer[key].map({ this > $0 }) ?? true {
                answer[key] = this
                label[key] = this == .notSent ? "never sent" : record.outcome.label
            }
            if this == .acknowledged { acknowledgedAt[key] = min(acknowledgedAt[key] ?? record.end, record.end) }
        }
        acknowledged = acknowledgedAt.count
        attempted = answer.count
        for key in Set(answer.keys).union(rows.keys) {
            let count = rows[key] ?? 0
            guard let outcome = WriteOutcome.classify(answer[key], rows: count) else { continue }
            keys[outcome, default: []].append(key)
            if count > 1 { rowCounts[key] = count }
            if outcome == .unexpected || outcome == .recovered { answers[key] = label[key] ?? "never attempted" }
        }
        for outcome in keys.keys { keys[outcome]?.sort() }

        guard let seen, seen.reads.count >= 2 else { return }
        var latencies: [Double] = []
        var early = 0
        let present = self.keys(.ok) + self.keys(.duplicated)
        for key in present {
            guard let acknowledged = acknowledgedAt[key], let found = seen.firstSeen[key] else { continue }
            latencies.append(max(0, found - acknowledged))
            if found < acknowledged { early += 1 }
        }
        visibility = VisibilitySummary(latencies: latencies, beforeAcknowledgement: early, visibility: seen)
        for key in self.keys(.lost) {
            if let found = seen.firstSeen[key], let missed = seen.vanished[key] { vanished[key] = (found, missed) }
        }
    }

    /// The keys in `outcome`, sorted.
    public func keys(_ outcome: WriteOutcome) -> [String] { keys[outcome] ?? [] }

    /// The number of keys in `outcome`.
    public func count(_ outcome: WriteOutcome) -> Int { keys[outcome]?.count ?? 0 }

    /// The counts and visibility for reports.
    public var summary: WriteOutcomeSummary {
        WriteOutcomeSummary(counts: Dictionary(uniqueKeysWithValues: WriteOutcome.allCases.map { ($0, count($0)) }),
                            visibility: visibility)
    }

    /// The verdict of a `writeLedger` assertion: fails on lost, duplicated and unexpected writes past
    /// their allowance (and on recovered ones with `allowRecovered: false`), with the offending keys listed.
    public func evaluate(_ spec: WriteLedgerAssertion, name: String, ledger: String = StackLedger.defaultName) -> AssertionResult {
        var problems: [String] = []
        // A ledger with nothing to reconcile proves nothing: a scenario whose load never sends the
        // ledger's operations fails instead of passing.
        if attempted == 0 { problems.append("the load made no write that ledger \(ledger) tracks, so there is nothing to reconcile") }
        if count(.lost) > spec.maxLost { problems.append("\(count(.lost)) acknowledged write(s) lost (allowed \(spec.maxLost))") }
        if count(.duplicated) > spec.maxDuplicated {
            problems.append("\(count(.duplicated)) write(s) duplicated (allowed \(spec.maxDuplicated))")
        }
        if count(.unexpected) > spec.maxUnexpected {
            problems.append("\(count(.unexpected)) unexpected write(s) present: never sent or refused (allowed \(spec.maxUnexpected))")
        }
        if !spec.allowRecovered && count(.recovered) > 0 {
            problems.append("\(count(.recovered)) indeterminate write(s) present after all (recovered; allowRecovered is false)")
        }
        var measured = Dictionary(uniqueKeysWithValues: WriteOutcome.allCases.map { ($0.rawValue, Double(count($0))) })
        measured["acknowledged"] = Double(acknowledged)
        if let visibility {
            for (key, value) in [("visibilityP50", visibility.p50), ("visibilityP99", visibility.p99), ("visibilityMax", visibility.max)] {
                if let value { measured[key] = value }
            }
        }
        let tail = " — " + (ledger == StackLedger.defaultName ? "" : "ledger \(ledger): ") + countsLine
        var result = problems.isEmpty
            ? AssertionResult.passed(name, kind: "writeLedger", "no write lost, duplicated or unexpected" + tail,
                                     details: report, measured: measured)
            : AssertionResult.failed(name, kind: "writeLedger", problems.joined(separator: "; ") + tail,
                                     details: report, measured: measured)
        result.writeOutcomes = summary
        return result
    }

    /// Every class and its count, in the order of `WriteOutcome.allCases`.
    public var countsLine: String {
        WriteOutcome.allCases.map { "\($0.label) \(count($0))" }.joined(separator: ", ")
    }

    /// A readable report: visibility, then the keys of each class but ok and failed (at most 20 each).
    public var report: [String] {
        var lines: [String] = []
        if let v = visibility {
            var line = "visible after (upper bounds): \(v.measured) acknowledged write(s)"
            if let p50 = v.p50, let p90 = v.p90, let p99 = v.p99, let max = v.max {
                line += ", p50 \(Self.seconds(p50)), p90 \(Self.seconds(p90)), p99 \(Self.seconds(p99)), max \(Self.seconds(max))"
            }
            line += "; \(v.beforeAcknowledgement) found before their acknowledgement arrived"
            lines.append(line)
            var reads = "ledger read \(v.reads) time(s)"
            if let median = v.medianGap, let longest = v.longestGap {
                reads += ", every \(Self.seconds(median)) (longest gap \(Self.seconds(longest)): the figures' resolution)"
            }
            if v.failedReads > 0 { reads += "; \(v.failedReads) read(s) failed" }
            lines.append(reads)
        }
        func list(_ title: String, _ items: [String]) {
            guard !items.isEmpty else { return }
            lines.append("\(title):")
            lines += items.prefix(20).map { "  \($0)" }
            if items.count > 20 { lines.append("  … and \(items.count - 20) more") }
        }
        list("lost (acknowledged, no row)", keys(.lost).map { key in
            guard let (found, missed) = vanished[key] else { return key }
            return key + String(format: " (found at +%.2fs, gone at +%.2fs)", found, missed)
        })
        list("duplicated (rows per key)", keys(.duplicated).map { "\($0) × \(rowCounts[$0] ?? 0)" })
        list("unexpected (present, never sent or refused)", keys(.unexpected).map {
            "\($0) (\(answers[$0] ?? "?"), \(rowCounts[$0] ?? 1) row(s))"
        })
        list("recovered (indeterminate, present)", keys(.recovered).map { "\($0) (\(answers[$0] ?? "?"))" })
        return lines
    }

    private static func seconds(_ value: Double) -> String { String(format: "%.2fs", value) }
}
