import LabrunCore
import PostgresClient

/// Refuses to run labrun's SQL as a role that could do more than read: a superuser, or a member of
/// the predefined roles that run programs on the server or read and write its files
/// (`pg_execute_server_program`, `pg_write_server_files`, `pg_read_server_files`). A scenario's SQL
/// comes from a file anyone may hand you; with such a role, `COPY … TO PROGRAM` would run a shell
/// command in the database's pod. The stack file's `database.keys` must name a read-only role
/// (specs/stack-format.md shows how the todo stack makes one).
public enum DatabaseRoleGuard {
    public static let dangerousRoles = ["pg_execute_server_program", "pg_write_server_files", "pg_read_server_files"]

    /// What the connection's role may do that labrun's SQL must not.
    public static func powers(on connection: PostgresConnection) async throws -> [String] {
        let memberships = dangerousRoles.map { "pg_has_role(current_user, '\($0)', 'MEMBER')" }.joined(separator: ", ")
        let result = try await connection.query("SELECT current_user, rolsuper, \(memberships) FROM pg_roles WHERE rolname = current_user")
        guard let row = result.rows.first?.values else { return [] }
        var powers: [String] = []
        if row.count > 1, row[1] == "t" { powers.append("is a superuser") }
        for (offset, role) in dangerousRoles.enumerated() where row.count > offset + 2 && row[offset + 2] == "t" {
            powers.append("is a member of \(role)")
        }
        return powers
    }

    /// Throws `DATABASE_ROLE_TOO_POWERFUL` when the connection's role could do more than read.
    /// `source` says where the credentials came from (the Secret and its key), never their values.
    public static func check(_ connection: PostgresConnection, user: String, source: String) async throws {
        let found = try await powers(on: connection)
        guard !found.isEmpty else { return }
        throw LabrunError(id: ErrorID.databaseRoleTooPowerful, exitCode: ExitCode.invalidInput,
                          message: "labrun's SQL would run as \(user) (\(source)), which \(found.joined(separator: " and ")): "
                              + "a scenario's query could then run programs or touch files on the database server.",
                          advice: "Point the stack file's database.keys at a read-only role: LOGIN, SELECT on the tables the "
                              + "scenarios read, nothing else (specs/stack-format.md, \"database\").")
    }
}
