import Foundation
import LabrunCore
import PostgresClient
import Testing

@Suite("Postgres configuration and value decoding")
struct PostgresValueTests {
    @Test func urlParsingKeepsThePasswordOutOfDescriptions() throws {
        let config = try PostgresConfiguration(url: "postgres://todo:p%40ss-w0rd-xyz@db.local:6543/todo_db?sslmode=disable&connect_timeout=4")
        #expect(config.user == "todo")
        #expect(config.password == "p@ss-w0rd-xyz")
        #expect(config.host == "db.local")
        #expect(config.port == 6543)
        #expect(config.database == "todo_db")
        #expect(config.sslMode == "disable")
        #expect(config.connectTimeout == 4)
        #expect(config.description == "postgres://todo@db.local:6543/todo_db")
        // Registered with the redactor: it cannot leak through an error.
        let error = LabrunError(id: "X", message: "failed with p@ss-w0rd-xyz inside")
        #expect(!error.description.contains("p@ss-w0rd-xyz"))
    }

    @Test func badURLsAreRejectedWithoutShowingThePassword() {
        do {
            _ = try PostgresConfiguration(url: "mysql://u:hunter2-secret@h/db")
            Issue.record("expected an error")
        } catch let error as LabrunError {
            #expect(error.id == "PG_URL_INVALID")
            #expect(!error.description.contains("hunter2-secret"))
        } catch { Issue.record("unexpected \(error)") }
    }

    @Test func decodesTypedValuesByColumnName() throws {
        let row = PostgresRow(columns: ["id", "ratio", "done", "title", "created", "note"],
                              values: ["42", "0.5", "t", "write tests", "2024-05-01 12:34:56.25+00", nil])
        #expect(try row.decode("id", as: Int.self) == 42)
        #expect(try row.decode("ratio", as: Double.self) == 0.5)
        #expect(try row.decode("done", as: Bool.self))
        #expect(try row.decode("title", as: String.self) == "write tests")
        #expect(try row.decode("note", as: String?.self) == nil)
        let created = try row.decode("created", as: Date.self)
        #expect(created.timeIntervalSince1970 == 1_714_566_896.25)
        #expect(throws: LabrunError.self) { try row.decode("note", as: String.self) }
        #expect(throws: LabrunError.self) { try row.decode("title", as: Int.self) }
        #expect(throws: LabrunError.self) { try row.decode("missing", as: Int.self) }
    }

    @Test func parsesTimestampForms() {
        #expect(PostgresTime.parse("2024-05-01")?.timeIntervalSince1970 == 1_714_521_600)
        #expect(PostgresTime.parse("2024-05-01 00:00:00")?.timeIntervalSince1970 == 1_714_521_600)
        #expect(PostgresTime.parse("2024-05-01 02:00:00+02")?.timeIntervalSince1970 == 1_714_521_600)
        #expect(PostgresTime.parse("2024-04-30 18:30:00-05:30")?.timeIntervalSince1970 == 1_714_521_600)
        #expect(PostgresTime.parse("2024-05-01T00:00:00Z")?.timeIntervalSince1970 == 1_714_521_600)
        #expect(PostgresTime.parse("not a date") == nil)
        #expect(PostgresTime.parse("2024-05-01 00:00:00 junk") == nil)
    }

    @Test func encodesParameters() {
        #expect(Int(5).postgresText == "5")
        #expect(true.postgresText == "true")
        #expect(Optional<Int>.none.postgresText == nil)
        #expect(Date(timeIntervalSince1970: 0).postgresText == "1970-01-01T00:00:00.000Z")
    }
}
