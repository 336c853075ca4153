/// What labrun lets its own SQL be: one statement that only reads (scenario `sql` assertions and the
/// stack file's ledger query).
///
/// Three layers keep the harness from changing or escaping the database it checks, and this is the
/// first: the statement must start (after comments and white space) with `SELECT`, `WITH`, `VALUES`,
/// `TABLE` or `SHOW` and hold no second statement. The others are at run time: every query runs in a
/// `READ ONLY` transaction through the extended protocol (one statement per call), and on a
/// connection whose role is neither a superuser nor a member of the roles that run programs or touch
/// server files (`DatabaseRoleGuard`), so `COPY … TO PROGRAM` and `lo_export` fail even if a statement
/// slipped through.
public enum ReadOnlySQL {
    public static let allowedStarts: [String] = ["SELECT", "WITH", "VALUES", "TABLE", "SHOW"]

    /// Why `sql` is refused, or nil when it is one statement that starts as a read.
    public static func refusal(_ sql: String) -> String? {
        let scalars = Array(sql.unicodeScalars)
        var index = skipSpaceAndComments(scalars, from: 0)
        var word = ""
        while index < scalars.count, scalars[index].properties.isAlphabetic, word.count < 16 {
            word.unicodeScalars.append(scalars[index])
            index += 1
        }
        let keyword = word.uppercased()
        guard !keyword.isEmpty else { return "it is empty or does not start with a keyword" }
        guard allowedStarts.contains(keyword) else {
            return "it starts with \(keyword), and only a statement that reads (\(allowedStarts.joined(separator: ", "))) may run"
        }
        if let semicolon = statementEnd(scalars, from: index) {
            let rest = skipSpaceAndComments(scalars, from: semicolon + 1)
            if rest < scalars.count { return "it holds more than one statement" }
        }
        return nil
    }

    /// The index of the first `;` outside quotes, identifiers, dollar quotes and comments.
    static func statementEnd(_ scalars: [Unicode.Scalar], from start: Int) -> Int? {
        var index = start
        while index < scalars.count {
            let scalar = scalars[index]
            switch scalar {
            case ";": return index
            case "'", "\"":
                index = closing(scalars, after: index, quote: scalar)
            case "$":
                // $tag$ … $tag$ (a dollar quote); a lone $1 is a parameter.
                var end = index + 1
                while end < scalars.count, scalars[end] == "_" || scalars[end].properties.isAlphabetic { end += 1 }
                if end < scalars.count, scalars[end] == "$" {
                    let tag = Array(scalars[index...end])
                    index = end + 1
                    while index < scalars.count, !(scalars[index] == "$" && Array(scalars[index..<min(scalars.count, index + tag.count)]) == tag) {
                        index += 1
                    }
                    index += tag.count
                } else {
                    index += 1
                }
            case "-" where index + 1 < scalars.count && scalars[index + 1] == "-",
                 "/" where index + 1 < scalars.count && scalars[index + 1] == "*":
                index = skipSpaceAndComments(scalars, from: index)
            default:
                index += 1
            }
        }
        return nil
    }

    /// The index after the quote that closes the one at `start` (a doubled quote stays inside).
    private static func closing(_ scalars: [Unicode.Scalar], after start: Int, quote: Unicode.Scalar) -> Int {
        var index = start + 1
        while index < scalars.count {
            if scalars[index] == quote {
                if index + 1 < scalars.count, scalars[index + 1] == quote { index += 2; continue }
                return index + 1
            }
            index += 1
        }
        return index
    }

    /// Skips white space, `-- …` line comments and (nested) `/* … */` comments.
    static func skipSpaceAndComments(_ scalars: [Unicode.Scalar], from start: Int) -> Int {
        var index = start
        while index < scalars.count {
            let scalar = scalars[index]
            if scalar.properties.isWhitespace {
                index += 1
            } else if scalar == "-", index + 1 < scalars.count, scalars[index + 1] == "-" {
                while index < scalars.count, scalars[index] != "\n" { index += 1 }
            } else if scalar == "/", index + 1 < scalars.count, scalars[index + 1] == "*" {
                var depth = 1
                index += 2
                while index < scalars.count, depth > 0 {
                    if scalars[index] == "/", index + 1 < scalars.count, scalars[index + 1] == "*" { depth += 1; index += 2 }
                    else if scalars[index] == "*", index + 1 < scalars.count, scalars[index + 1] == "/" { depth -= 1; index += 2 }
                    else { index += 1 }
                }
            } else {
                return index
            }
        }
        return index
    }
}
