import Foundation
import LabrunCore
import PostgresClient
import Reports
@testable import ScenarioEngine
import ScenarioModel
import StackModel
import Testing

/// The write ledger against a real PostgreSQL: the todo stack's own ledger query, read through the
/// code path a run uses (`LedgerQuery`), finds every outcome class in rows a broken stack could leave.
@Suite("The write ledger against a real PostgreSQL 15 server",
       .serialized, .enabled(if: PostgresTestServer.shouldRun, PostgresTestServer.skipComment), .postgresServer)
struct PostgresIntegrationLedgerTests {
    /// The todo stack's ledger section, from its stack file.
    static func todoLedger() throws -> (ledger: StackLedger, file: String) {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let file = root.appendingPathComponent("stack/labrun.yaml").path
        let stack = try StackLoader().load(file: file)
        return (try #require(stack.ledger(named: nil)), file)
    }

    /// A write of the load: sent at `at`, answered (or given up on) 10 ms later.
    static func create(_ key: String, _ sequence: Int, at: Double, _ outcome: RequestOutcome) -> RequestRecord {
        RequestRecord(sequence: sequence, operation: LoadOperation("create"), intended: at, start: at, end: at + 0.01,
                      outcome: outcome, idempotencyKey: key)
    }

    @Test func theWriteLedgerDetectsEveryOutcomeClass() async throws {
        let (ledger, file) = try Self.todoLedger()
        let db = try await PostgresConnection.connect(try postgresServer().configuration)
        defer { Task { await db.close() } }
        // The todo app's table, without the unique constraint that would hide a duplicate.
        try await db.execute("CREATE TABLE tasks (id bigserial PRIMARY KEY, title text NOT NULL, idempotency_key text)")
        let prefix = "labrun-it\(UInt32.random(in: 0...UInt32.max))"
        func key(_ n: Int) -> String { "\(prefix)-\(n)" }
        func insert(_ key: String) async throws {
            try await db.execute("INSERT INTO tasks (title, idempotency_key) VALUES ($1, $2)", ["write", key])
        }
        var seen = LedgerVisibility()
        func read(at time: Double) async throws -> [String: Int] {
            let rows = try await LedgerQuery.rows(ledger, keyPrefix: prefix, stackFile: file, on: db)
            seen.record(readAt: time, rows: rows)
            return rows
        }

        // Another run's row: the query's prefix keeps it out.
        try await insert("labrun-otherrun-0")
        #expect(try await read(at: 0.5).isEmpty)

        // 1.0 s: the ok write commits (acknowledged at 1.01); a write that will be lost commits too.
        try await insert(key(0))
        try await insert(key(1))
        #expect(try await read(at: 1.5) == [key(0): 1, key(1): 1])
        // 2.0 s: the lost write's row goes (a restart without its volume); a duplicate, a refused write
        // that happened anyway, a write nobody sent, and a timed-out write that committed all appear.
        try await db.execute("DELETE FROM tasks WHERE idempotency_key = $1", [key(1)])
        try await insert(key(2))
        try await insert(key(2))
        try await insert(key(3))
        try await insert(key(9))
        try await insert(key(4))
        let final = try await read(at: 4.0)
        #expect(final == [key(0): 1, key(2): 2, key(3): 1, key(4): 1, key(9): 1])

        let records = [
            Self.create(key(0), 0, at: 1.0, .status(201)),           // ok
            Self.create(key(1), 1, at: 1.0, .status(201)),           // lost (seen at 1.5, gone by 4.0)
            Self.create(key(2), 2, at: 2.0, .status(201)),           // duplicated
            Self.create(key(3), 3, at: 2.0, .status(422)),           // unexpected: refused, yet present
            Self.create(key(4), 4, at: 2.0, .timeout),               // recovered
            Self.create(key(5), 5, at: 2.0, .connection("reset")),   // failed-indeterminate
            Self.create(key(6), 6, at: 2.0, .status(409)),           // failed
        ]
        let observed = RunObservations(records: records, windows: PhaseWindows(loadStart: 0, stepsStart: 1, recoveryEnd: 3, loadEnd: 4),
                                       targetRate: 1, ledgers: [LedgerObservation(name: "writes", operations: [LoadOperation("create")],
                                                                                        rows: final, seen: seen)])
        let result = try #require(AssertionEvaluator.evaluate(Assertion(name: "ledger", .writeLedger(WriteLedgerAssertion())), observed))
        let counts = try #require(result.writeOutcomes)
        #expect(counts.counts == ["ok": 1, "lost": 1, "duplicated": 1, "unexpected": 2, "recovered": 1,
                                  "failedIndeterminate": 1, "failed": 1])
        #expect(result.verdict == .failed)
        #expect(result.message == "1 acknowledged write(s) lost (allowed 0); 1 write(s) duplicated (allowed 0); "
                + "2 unexpected write(s) present: never sent or refused (allowed 0) — "
                + "ok 1, lost 1, duplicated 1, unexpected 2, recovered 1, failed-indeterminate 1, failed 1")
        #expect(result.details.contains("  \(key(1)) (found at +1.50s, gone at +4.00s)"))
        #expect(result.details.contains("  \(key(3)) (status 422, 1 row(s))"))
        #expect(result.details.contains("  \(key(9)) (never attempted, 1 row(s))"))
        #expect(result.details.contains("  \(key(4)) (timeout)"))
        // Visibility: the ok write was acknowledged at 1.01 and found by the read that answered at 1.5;
        // the duplicated one, acknowledged at 2.01, by the read at 4.0.
        let visibility = try #require(counts.visibility)
        #expect(visibility.measured == 2 && visibility.reads == 3 && visibility.vanished == 1)
        #expect(abs((visibility.p50 ?? 0) - 0.49) < 1e-9)
        #expect(abs((visibility.max ?? 0) - 1.99) < 1e-9)

        // Every report shows the classes: JSON counts, the JUnit failure message, the HTML chart.
        let scenario = ScenarioResult(scenario: "ledger-classes", startedAt: Date(timeIntervalSince1970: 1_800_000_000),
                                      verdict: .failed, assertions: [result])
        let json = try #require(String(data: try JSONReport().render([scenario]), encoding: .utf8))
        #expect(json.contains("\"failedIndeterminate\" : 1") && json.contains("\"recovered\" : 1") && json.contains("\"unexpected\" : 2"))
        #expect(try JSONReport.decode(try JSONReport().render([scenario])).first?.assertions.first?.writeOutcomes == counts)
        let junit = JUnitReport().render([scenario])
        #expect(junit.contains("ok 1, lost 1, duplicated 1, unexpected 2, recovered 1, failed-indeterminate 1, failed 1"))
        let html = HTMLReport().render([scenario], generatedAt: Date(timeIntervalSince1970: 1_800_000_000))
        for outcome in WriteOutcome.allCases { #expect(html.contains("data-outcome=\"\(outcome.rawValue)\""), "\(outcome)") }
        #expect(html.contains("<title>recovered: 1</title>") && html.contains("<title>lost: 1 — anomaly</title>"))
    }
}
