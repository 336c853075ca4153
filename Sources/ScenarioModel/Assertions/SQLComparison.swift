import LabrunCore

/// Compares a query's rows with what a `sql` assertion expects, and renders a diff.
///
/// Values compare by meaning rather than by wire format: libpq returns text, so an expected `3`
/// equals an actual `"3"`, `true` equals `"t"`, and `null` equals a missing value. Expected rows may
/// name a subset of the columns.
public enum SQLComparison {
    /// The outcome: `nil` when the rows match, else a one-line summary and diff lines.
    public static func compare(expected: SQLExpectation, actual result: SQLResultSet) -> (summary: String, diff: [String])? {
        let rows = result.namedRows
        switch expected {
        case .rowCount(let count):
            return rows.count == count ? nil : ("expected \(count) row(s), got \(rows.count)", rows.prefix(10).map { "  + \(render($0))" })
        case .value(let value):
            guard result.rows.count == 1, let actual = result.rows.first?.first else {
                return ("expected one row with value \(value), got \(rows.count) row(s)", rows.prefix(10).map { "  + \(render($0))" })
            }
            return valuesEqual(value, actual) ? nil : ("expected \(value), got \(actual)", ["  - \(value)", "  + \(actual)"])
        case .rows(let want, let ordered):
            return ordered ? compareOrdered(want, rows) : compareUnordered(want, rows)
        }
    }

    /// Whether an expected value equals an actual one (see the type's rules).
    public static func valuesEqual(_ expected: JSONValue, _ actual: JSONValue) -> Bool {
        if expected == actual { return true }
        switch (expected, actual) {
        case (.null, _), (_, .null): return false
        case (.bool(let flag), .string(let text)), (.string(let text), .bool(let flag)):
            return (flag ? ["t", "true"] : ["f", "false"]).contains(text.lowercased())
        case (.number(let number), .string(let text)), (.string(let text), .number(let number)):
            return Double(text) == number
        default: return false
        }
    }

    /// Whether an actual row contains every expected column with an equal value.
    public static func rowMatches(_ expected: [String: JSONValue], _ actual: [String: JSONValue]) -> Bool {
        expected.allSatisfy { column, value in valuesEqual(value, actual[column] ?? .null) }
    }

    private static func compareOrdered(_ want: [[String: JSONValue]], _ have: [[String: JSONValue]]) -> (summary: String, diff: [String])? {
        var diff: [String] = []
        var mismatched = 0
        for index in 0..<max(want.count, have.count) {
            let expected = index < want.count ? want[index] : nil
            let actual = index < have.count ? have[index] : nil
            if let expected, let actual, rowMatches(expected, actual) {
                diff.append("    \(render(actual))")
                continue
            }
            mismatched += 1
            if let expected { diff.append("  - \(render(expected))") }
            if let actual { diff.append("  + \(render(actual, columns: expected.map { Array($0.keys) }))") }
        }
        guard mismatched > 0 else { return nil }
        return ("\(mismatched) row(s) differ (expected \(want.count), got \(have.count), in order)", diff)
    }

    private static func compareUnordered(_ want: [[String: JSONValue]], _ have: [[String: JSONValue]]) -> (summary: String, diff: [String])? {
        var unmatched = Array(have.indices)
        var missing: [[String: JSONValue]] = []
        for expected in want {
            if let position = unmatched.firstIndex(where: { rowMatches(expected, have[$0]) }) {
                unmatched.remove(at: position)
            } else {
                missing.append(expected)
            }
        }
        guard !missing.isEmpty || !unmatched.isEmpty else { return nil }
        var parts: [String] = []
        if !missing.isEmpty { parts.append("\(missing.count) expected row(s) missing") }
        if !unmatched.isEmpty { parts.append("\(unmatched.count) unexpected row(s)") }
        let diff = missing.map { "  - \(render($0))" } + unmatched.map { "  + \(render(have[$0]))" }
        return (parts.joined(separator: ", ") + " (expected \(want.count), got \(have.count))", diff)
    }

    /// A row as `{column: value, …}` with sorted columns (only `columns` when given).
    public static func render(_ row: [String: JSONValue], columns: [String]? = nil) -> String {
        let keys = (columns ?? Array(row.keys)).sorted()
        return "{" + keys.map { "\($0): \(row[$0]?.description ?? "null")" }.joined(separator: ", ") + "}"
    }
}

/// A query's result as the Postgres client returns it: column names in order and rows of values.
public struct SQLResultSet: Sendable, Hashable, Codable {
    public var columns: [String]
    public var rows: [[JSONValue]]

    public init(columns: [String], rows: [[JSONValue]]) {
        self.columns = columns
        self.rows = rows
    }

    /// Each row as column → value.
    public var namedRows: [[String: JSONValue]] {
        rows.map { values in
            Dictionary(zip(columns, values).map { ($0, $1) }, uniquingKeysWith: { first, _ in first })
        }
    }
}
