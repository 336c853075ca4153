import LabrunCore

/// One row of a result: text values by column, decoded to Swift types on demand.
public struct PostgresRow: Sendable, CustomStringConvertible {
    /// Column names, in order.
    public let columns: [String]
    /// Raw text values (`nil` is SQL NULL), in column order.
    public let values: [String?]
    private let index: [String: Int]

    init(columns: [String], values: [String?], index: [String: Int]) {
        self.columns = columns
        self.values = values
        self.index = index
    }

    /// Builds a row from names and values (for tests and fakes).
    public init(columns: [String], values: [String?]) {
        self.init(columns: columns, values: values,
                  index: Dictionary(columns.enumerated().map { ($1, $0) }, uniquingKeysWith: { first, _ in first }))
    }

    /// The raw text of `column` (`nil` for NULL or an unknown column).
    public subscript(column: String) -> String? {
        guard let position = index[column] else { return nil }
        return values[position]
    }

    /// Decodes `column` as `T`: `Int`, `Int64`, `Double`, `Bool`, `String`, `Date`, `UUID`, or an
    /// `Optional` of one (NULL → nil). Throws `PG_DECODE` naming the column on NULL or mismatch.
    public func decode<T: PostgresDecodable>(_ column: String, as type: T.Type = T.self) throws -> T {
        guard let position = index[column] else {
            throw LabrunError(id: ErrorID.pgDecode, exitCode: ExitCode.failure,
                              message: "The result has no column \(column) (it has: \(columns.joined(separator: ", "))).")
        }
        do {
            return try T.decode(postgresText: values[position])
        } catch {
            throw LabrunError(id: ErrorID.pgDecode, exitCode: ExitCode.failure,
                              message: "Column \(column) could not be read as \(T.self): the value \(error.description).")
        }
    }

    /// Decodes the column at `position` (0-based).
    public func decode<T: PostgresDecodable>(at position: Int, as type: T.Type = T.self) throws -> T {
        guard columns.indices.contains(position) else {
            throw LabrunError(id: ErrorID.pgDecode, exitCode: ExitCode.failure,
                              message: "The result has no column number \(position) (it has \(columns.count)).")
        }
        return try decode(columns[position], as: T.self)
    }

    /// `{id: 1, title: "x", done: NULL}`.
    public var description: String {
        "{" + zip(columns, values).map { "\($0): \($1.map { "\"\($0)\"" } ?? "NULL")" }.joined(separator: ", ") + "}"
    }
}

/// What a statement returned.
public struct PostgresResult: Sendable {
    public let columns: [String]
    public let rows: [PostgresRow]
    /// Rows inserted, updated or deleted (from the command tag); 0 for SELECT's own count see `rows`.
    public let rowsAffected: Int
    /// The command tag (`INSERT 0 1`, `SELECT 3`).
    public let commandTag: String

    public init(columns: [String], rows: [PostgresRow], rowsAffected: Int, commandTag: String) {
        self.columns = columns
        self.rows = rows
        self.rowsAffected = rowsAffected
        self.commandTag = commandTag
    }

    /// The only row; throws `PG_ROW_COUNT` unless there is exactly one.
    public func single() throws -> PostgresRow {
        guard rows.count == 1, let row = rows.first else {
            throw LabrunError(id: ErrorID.pgRowCount, exitCode: ExitCode.failure,
                              message: "Expected exactly one row but the query returned \(rows.count).")
        }
        return row
    }

    /// The first row's first column decoded as `T` (for `SELECT count(*)` and friends).
    public func scalar<T: PostgresDecodable>(_ type: T.Type = T.self) throws -> T {
        try single().decode(at: 0, as: T.self)
    }
}
