import Foundation
import LabrunCore
import PostgresClient
import Testing

@Suite("PostgresClient against a real PostgreSQL 15 server",
       .serialized, .enabled(if: PostgresTestServer.shouldRun, PostgresTestServer.skipComment), .postgresServer)
struct PostgresIntegrationTests {
    @Test func parameterisedQueriesAndTypedRows() async throws {
        let server = try postgresServer()
        let db = try await PostgresConnection.connect(server.configuration)
        defer { Task { await db.close() } }
        try await db.execute("""
            CREATE TABLE tasks (id bigserial PRIMARY KEY, title text NOT NULL, done boolean NOT NULL DEFAULT false,
                                weight double precision, due timestamptz, idem text UNIQUE)
            """)
        let due = Date(timeIntervalSince1970: 1_714_566_896.25)
        let inserted = try await db.execute("INSERT INTO tasks (title, done, weight, due, idem) VALUES ($1, $2, $3, $4, $5), ($6, $7, $8, $9, $10)",
                                            ["write tests", true, 0.75, due, "k1", "it's \"quoted\"; DROP TABLE tasks", false, Double?.none, Date?.none, "k2"])
        #expect(inserted == 2)
        let rows = try await db.query("SELECT id, title, done, weight, due FROM tasks ORDER BY id").rows
        #expect(rows.count == 2)
        #expect(try rows[0].decode("id", as: Int.self) == 1)
        #expect(try rows[0].decode("title", as: String.self) == "write tests")
        #expect(try rows[0].decode("done", as: Bool.self))
        #expect(try rows[0].decode("weight", as: Double.self) == 0.75)
        #expect(try rows[0].decode("due", as: Date.self) == due)
        #expect(try rows[1].decode("title", as: String.self) == "it's \"quoted\"; DROP TABLE tasks")
        #expect(try rows[1].decode("weight", as: Double?.self) == nil)
        #expect(try rows[1].decode("due", as: Date?.self) == nil)
        #expect(try await db.query("SELECT count(*) FROM tasks WHERE done = $1", [false]).scalar(Int.self) == 1)
    }

    @Test func errorsCarrySQLSTATE() async throws {
        let db = try await PostgresConnection.connect(try postgresServer().configuration)
        defer { Task { await db.close() } }
        try await db.execute("CREATE TABLE uniq (k text PRIMARY KEY)")
        try await db.execute("INSERT INTO uniq VALUES ($1)", ["a"])
        do {
            try await db.execute("INSERT INTO uniq VALUES ($1)", ["a"])
            Issue.record("expected a unique violation")
        } catch let error as LabrunError {
            #expect(error.sqlState == "23505")
            #expect(error.message.contains("SQLSTATE 23505"))
            #expect(error.message.contains("duplicate key"))
        }
        do {
            _ = try await db.query("SELECT * FROM no_such_table")
            Issue.record("expected an undefined table")
        } catch let error as LabrunError {
            #expect(error.sqlState == "42P01")
            #expect(error.message.contains("no_such_table"))
        }
        // The connection still works after errors.
        #expect(try await db.query("SELECT 1 AS one").scalar(Int.self) == 1)
    }

    @Test func readOnlyTransactionsRefuseWritesAndRollBack() async throws {
        let db = try await PostgresConnection.connect(try postgresServer().configuration)
        defer { Task { await db.close() } }
        try await db.execute("CREATE TABLE ledger (n int)")
        try await db.execute("INSERT INTO ledger VALUES (1)")
        let count = try await db.readOnlyTransaction { tx in
            try await tx.query("SELECT count(*) FROM ledger").scalar(Int.self)
        }
        #expect(count == 1)
        do {
            try await db.readOnlyTransaction { tx in try await tx.execute("INSERT INTO ledger VALUES (2)") }
            Issue.record("expected a read-only violation")
        } catch let error as LabrunError {
            #expect(error.sqlState == "25006")
        }
        // A failing read-write transaction is rolled back.
        struct Abort: Error {}
        do {
            try await db.transaction { tx in
                try await tx.execute("INSERT INTO ledger VALUES (3)")
                throw Abort()
            }
        } catch is Abort {}
        #expect(try await db.query("SELECT count(*) FROM ledger").scalar(Int.self) == 1)
        #expect(try await db.query("SELECT current_setting('transaction_read_only') AS ro").scalar(String.self) == "off")
    }

    @Test func concurrentUseFromManyTasksIsSafe() async throws {
        let db = try await PostgresConnection.connect(try postgresServer().configuration)
        defer { Task { await db.close() } }
        let sums = try await withThrowingTaskGroup(of: Int.self) { group in
            for n in 0..<200 {
                group.addTask {
                    if n % 10 == 0 {
                        return try await db.readOnlyTransaction { try await $0.query("SELECT $1::int * 2", [n]).scalar(Int.self) }
                    }
                    return try await db.query("SELECT $1::int * 2", [n]).scalar(Int.self)
                }
            }
            var total = 0
            for try await value in group { total += value }
            return total
        }
        #expect(sums == (0..<200).reduce(0) { $0 + $1 * 2 })
    }

    @Test func cancellingTheTaskCancelsTheStatement() async throws {
        let db = try await PostgresConnection.connect(try postgresServer().configuration)
        defer { Task { await db.close() } }
        let slow = Task { try await db.query("SELECT pg_sleep(30)") }
        try await Task.sleep(nanoseconds: 300_000_000)
        let start = Date()
        slow.cancel()
        await #expect(throws: CancellationError.self) { _ = try await slow.value }
        #expect(Date().timeIntervalSince(start) < 5)
        // The connection is usable afterwards.
        #expect(try await db.query("SELECT 7").scalar(Int.self) == 7)
    }

    @Test func wrongPasswordIsRefusedWithoutShowingIt() async throws {
        var config = try postgresServer().configuration
        config.password = "definitely-wrong-password-42"
        Redactor.shared.register("definitely-wrong-password-42")
        do {
            _ = try await PostgresConnection.connect(config)
            Issue.record("expected an authentication failure")
        } catch let error as LabrunError {
            #expect(error.id == "PG_CONNECT")
            #expect(error.message.contains("password authentication failed"))
            #expect(!error.description.contains("definitely-wrong-password-42"))
            #expect(!(error.debugDetail ?? "").contains("definitely-wrong-password-42"))
        }
    }

    @Test func connectingToAClosedPortFailsWithinTheTimeout() async throws {
        let config = PostgresConfiguration(host: "127.0.0.1", port: try PostgresTestServer.freePort(), user: "x",
                                           password: "y-password", database: "z", connectTimeout: 2)
        let start = Date()
        await #expect(throws: LabrunError.self) { _ = try await PostgresConnection.connect(config) }
        #expect(Date().timeIntervalSince(start) < 5)
    }

    @Test func reconnectsAfterTheServerRestarts() async throws {
        let server = try postgresServer()
        let db = try await PostgresConnection.connect(server.configuration)
        defer { Task { await db.close() } }
        #expect(try await db.query("SELECT 1").scalar(Int.self) == 1)
        try await server.restart()
        // The first statement on the dead connection fails (the server closed it); the next reconnects.
        _ = try? await db.query("SELECT 1")
        #expect(try await db.query("SELECT 2").scalar(Int.self) == 2)
    }
}
