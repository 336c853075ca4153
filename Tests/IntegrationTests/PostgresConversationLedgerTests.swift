import Foundation
import LabrunCore
import PostgresClient
@testable import ScenarioEngine
import ScenarioModel
import StackModel
import Testing

/// The todo stack's `conversations` ledger against a real PostgreSQL: its query, through the code path a
/// run uses (`LedgerQuery`), counts a chat turn once only when its two messages are stored in order and
/// the task its tool made exists once — and the ledger sorts each broken turn into the right class.
@Suite("The conversations ledger against a real PostgreSQL 15 server",
       .serialized, .enabled(if: PostgresTestServer.shouldRun, PostgresTestServer.skipComment), .postgresServer)
struct PostgresConversationLedgerTests {
    @Test func everyBrokenTurnIsFoundAndClassified() async throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let file = root.appendingPathComponent("stack/labrun.yaml").path
        let ledger = try #require(try StackLoader().load(file: file).ledger(named: "conversations"))
        let db = try await PostgresConnection.connect(try postgresServer().configuration)
        defer { Task { await db.close() } }
        // The todo app's tables as far as the query reads them (no constraint that would hide a mistake).
        try await db.execute("CREATE TABLE tasks (id bigserial PRIMARY KEY, title text NOT NULL)")
        try await db.execute("CREATE TABLE messages (id bigserial PRIMARY KEY, conversation_id bigint NOT NULL, role text NOT NULL, content text NOT NULL)")
        let prefix = "labrun-conv\(UInt32.random(in: 0...UInt32.max))"
        func key(_ n: Int) -> String { "\(prefix)-\(n)" }
        func message(_ conversation: Int, _ role: String, _ content: String) async throws {
            try await db.execute("INSERT INTO messages (conversation_id, role, content) VALUES ($1, $2, $3)",
                                 [conversation, role, content])
        }
        func turn(_ conversation: Int, _ n: Int, reply: Bool = true) async throws {
            try await message(conversation, "user", "add \(key(n))")
            if reply { try await message(conversation, "assistant", "Added \"\(key(n))\".") }
        }
        func effect(_ n: Int) async throws { try await db.execute("INSERT INTO tasks (title) VALUES ($1)", [key(n)]) }

        // Conversation 1: turn 0 whole; turn 1 whole; turn 2 stored twice (a retried turn stored again).
        try await turn(1, 0); try await effect(0)
        try await turn(1, 1); try await effect(1)
        try await turn(1, 2); try await turn(1, 2); try await effect(2)
        // Conversation 2: turn 3's reply missing (its user message followed by the next turn's); turn 4
        // whole, but its tool ran twice; turn 5's messages whole but no task; turn 6 never stored although
        // its tool ran (a failed turn); another run's turn.
        try await turn(2, 3, reply: false)
        try await effect(3)
        try await turn(2, 4); try await effect(4); try await effect(4)
        try await turn(2, 5)
        try await effect(6)
        try await message(2, "user", "add labrun-otherrun-0"); try await message(2, "assistant", "ok")

        let rows = try await LedgerQuery.rows(ledger, keyPrefix: prefix, stackFile: file, on: db)
        #expect(rows == [key(0): 1, key(1): 1, key(2): 2, key(3): 0, key(4): 2, key(5): 0, key(6): 0])

        let records = (0...6).map { n in
            RequestRecord(sequence: n, operation: LoadOperation(n == 0 ? "chat-start" : "chat"), intended: Double(n), start: Double(n),
                          end: Double(n) + 0.5, outcome: n == 6 ? .status(502) : .status(200), idempotencyKey: key(n))
        }
        let result = WriteLedger(records: records, operations: [LoadOperation("chat-start"), LoadOperation("chat")], rows: rows)
            .evaluate(WriteLedgerAssertion(), name: "turns", ledger: "conversations")
        #expect(result.verdict == .failed)
        // Turns 3 and 5 lost, 2 and 4 doubled; turn 6 failed (502, indeterminate) and is not counted as present,
        // since a turn whose messages are not stored is not done, whatever its tool did.
        #expect(result.message == "2 acknowledged write(s) lost (allowed 0); 2 write(s) duplicated (allowed 0) — ledger conversations: "
                + "ok 2, lost 2, duplicated 2, unexpected 0, recovered 0, failed-indeterminate 1, failed 0")
    }
}
