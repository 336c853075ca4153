import LabrunCore
import PostgresClient
import StackModel
import ScenarioModel

/// Runs a stack file's ledger query: the one way labrun reads the rows of the load's writes, used by
/// the reads during the run, the final reconciliation and the real-Postgres tests.
enum LedgerQuery {
    /// Idempotency key → rows, for the keys starting with `keyPrefix-`, read in a read-only transaction.
    /// The query selects the key first and the count second (`StackLedger.query`).
    static func rows(_ ledger: StackLedger, keyPrefix: String, stackFile: String,
                     on connection: PostgresConnection) async throws -> [String: Int] {
        if let refusal = ReadOnlySQL.refusal(ledger.query) {
            throw LabrunError(id: ErrorID.sqlNotReadOnly, exitCode: ExitCode.invalidInput,
                              message: "The query of ledger \(ledger.name) in \(stackFile) was not run: \(refusal).",
                              advice: "The ledger only reads: write one SELECT (or WITH) statement.")
        }
        let result = try await connection.readOnlyTransaction { transaction in
            try await transaction.query(ledger.query, [keyPrefix + "-%"])
        }
        var rows: [String: Int] = [:]
        for row in result.rows {
            guard row.values.count >= 2, let key = row.values[0], let count = row.values[1].flatMap({ Int($0) }) else {
                throw LabrunError(id: ErrorID.ledgerQueryShape, exitCode: ExitCode.invalidInput,
                                  message: "The query of ledger \(ledger.name) in \(stackFile) returned a row without a key and a count (columns \(result.columns.joined(separator: ", "))).",
                                  advice: "Select the idempotency key first and count(*) second.")
            }
            rows[key, default: 0] += count
        }
        return rows
    }
}
