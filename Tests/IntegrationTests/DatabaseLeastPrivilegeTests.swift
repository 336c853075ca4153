import Foundation
import LabrunCore
import PostgresClient
@testable import ScenarioEngine
import ScenarioModel
import Testing

/// Least privilege for the database, on a real PostgreSQL 15 server (issue 13): the todo image's own
/// role script (docker/postgres/initdb/10-roles.sh) makes an application role and a read-only role,
/// and labrun's SQL runs only as a role that cannot run programs on the server.
@Suite("Least privilege for labrun's SQL against a real PostgreSQL 15 server",
       .serialized, .enabled(if: PostgresTestServer.shouldRun, PostgresTestServer.skipComment), .postgresServer)
struct DatabaseLeastPrivilegeTests {
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()
    static let appPassword = "app-\(UInt64.random(in: 0...UInt64.max))"
    static let readerPassword = "reader-\(UInt64.random(in: 0...UInt64.max))"

    /// Runs the image's role script against the test server, as the entrypoint would on a new volume.
    static func createRoles(_ server: PostgresTestServer) async throws {
        let script = repository.appendingPathComponent("docker/postgres/initdb/10-roles.sh").path
        let environment = [
            "PATH": "\(PostgresTestServer.binDirectory):/usr/bin:/bin",
            "PGHOST": "127.0.0.1", "PGPORT": String(server.port), "PGPASSWORD": server.password,
            "POSTGRES_USER": server.configuration.user, "POSTGRES_DB": server.configuration.database,
            "APP_DB_USER": "todo_app", "APP_DB_PASSWORD": appPassword,
            "READER_DB_USER": "labrun_reader", "READER_DB_PASSWORD": readerPassword,
        ]
        let output = try await SystemProcessRunner().run(Command("/bin/bash", [script], environment: environment, timeout: 60))
        #expect(output.exitCode == 0, "10-roles.sh failed: \(output.standardError)")
    }

    static func connect(_ server: PostgresTestServer, user: String, password: String) async throws -> PostgresConnection {
        var configuration = server.configuration
        configuration.user = user
        configuration.password = password
        return try await PostgresConnection.connect(configuration)
    }

    /// The SQLSTATE-bearing message of a statement that must fail.
    static func failure(_ body: () async throws -> Void) async -> String? {
        do { try await body(); return nil } catch { return String(describing: error) }
    }

    @Test func theHarnessSQLCannotRunAProgramOnTheServer() async throws {
        let server = try postgresServer()
        try await Self.createRoles(server)

        // The application creates and fills its table (it owns schema public).
        let app = try await Self.connect(server, user: "todo_app", password: Self.appPassword)
        try await app.execute("CREATE TABLE tasks (id bigserial PRIMARY KEY, title text NOT NULL, idempotency_key text)")
        try await app.execute("INSERT INTO tasks (title, idempotency_key) VALUES ('one', 'labrun-lp-1')")

        // The reader passes the guard, reads through the ledger's code path, and can neither write nor run a program.
        let reader = try await Self.connect(server, user: "labrun_reader", password: Self.readerPassword)
        try await DatabaseRoleGuard.check(reader, user: "labrun_reader", source: "the test")
        #expect(try await DatabaseRoleGuard.powers(on: reader).isEmpty)
        let ledger = try PostgresIntegrationLedgerTests.todoLedger()
        #expect(try await LedgerQuery.rows(ledger.ledger, keyPrefix: "labrun-lp", stackFile: ledger.file, on: reader) == ["labrun-lp-1": 1])
        let copy = "COPY (SELECT 1) TO PROGRAM 'touch /tmp/labrun-least-privilege-proof'"
        #expect(ReadOnlySQL.refusal(copy) != nil, "the harness refuses the statement before sending it")
        let ran = await Self.failure { _ = try await reader.query(copy) }
        #expect(ran?.contains("pg_execute_server_program") == true, "the server refuses it too: \(ran ?? "it ran")")
        #expect(!FileManager.default.fileExists(atPath: "/tmp/labrun-least-privilege-proof"))
        let wrote = await Self.failure { _ = try await reader.execute("INSERT INTO tasks (title) VALUES ('two')") }
        #expect(wrote?.contains("read-only transaction") == true, "\(wrote ?? "the insert ran")")
        #expect(await Self.failure { _ = try await reader.execute("CREATE TABLE mine (x int)") } != nil)
        // The application cannot run a program either, nor create roles or databases.
        #expect(await Self.failure { _ = try await app.query(copy) }?.contains("pg_execute_server_program") == true)
        #expect(await Self.failure { _ = try await app.execute("CREATE ROLE intruder") } != nil)
        await reader.close()
        await app.close()

        // The harness refuses credentials that could: a superuser, or a member of pg_execute_server_program.
        let superuser = try await PostgresConnection.connect(server.configuration)
        #expect(try await DatabaseRoleGuard.powers(on: superuser).contains("is a superuser"))
        do {
            try await DatabaseRoleGuard.check(superuser, user: server.configuration.user, source: "Secret ns/db, key POSTGRES_USER")
            Issue.record("a superuser was accepted for labrun's SQL")
        } catch let error as LabrunError {
            #expect(error.id == ErrorID.databaseRoleTooPowerful)
            #expect(error.message.contains("is a superuser") && error.message.contains("Secret ns/db, key POSTGRES_USER"))
        }
        try await superuser.execute("CREATE ROLE runner LOGIN PASSWORD 'runner-pass' IN ROLE pg_execute_server_program")
        try await superuser.execute("GRANT CONNECT ON DATABASE postgres TO runner")
        let runner = try await Self.connect(server, user: "runner", password: "runner-pass")
        #expect(try await DatabaseRoleGuard.powers(on: runner) == ["is a member of pg_execute_server_program"])
        await runner.close()
        await superuser.close()
    }
}
