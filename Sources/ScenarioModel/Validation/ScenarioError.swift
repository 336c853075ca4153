import LabrunCore

/// One problem in a scenario file, with where it is: file, line, column and key path.
///
/// Rendered the way compilers print errors, so editors can jump to it:
/// `scenarios/x.yaml:12:5: steps[2].timeout: invalid duration "5 seconds" (expected e.g. 500ms, 30s, 2m)`.
public struct ScenarioError: Error, Sendable, Hashable, Codable, CustomStringConvertible {
    /// The file as the user named it (relative paths stay relative).
    public var file: String
    /// 1-based line.
    public var line: Int
    /// 1-based column.
    public var column: Int
    /// The key path, e.g. `steps[2].action.deletePod.count`; empty for the document as a whole.
    public var path: String
    /// What is wrong, and where possible what would be right.
    public var message: String

    /// Control characters in `file`, `path` and `message` are stored escaped (see `printable`):
    /// a file's bytes or name never reach a terminal raw through an error.
    public init(file: String, line: Int, column: Int, path: String, message: String) {
        self.file = Self.printable(file)
        self.line = line
        self.column = column
        self.path = Self.printable(path)
        self.message = Self.printable(message)
    }

    /// `text` with control characters escaped (`\t`, `\u{1B}`), so that a file's bytes cannot act on a terminal.
    public static func printable(_ text: String) -> String {
        guard text.unicodeScalars.contains(where: isControl) else { return text }
        var escaped = ""
        for character in text.unicodeScalars {
            guard isControl(character) else { escaped.unicodeScalars.append(character); continue }
            switch character {
            case "\t": escaped += "\\t"
            case "\n": escaped += "\\n"
            case "\r": escaped += "\\r"
            default: escaped += "\\u{\(String(character.value, radix: 16, uppercase: true))}"
            }
        }
        return escaped
    }

    /// A value from a file as an error quotes it: in double quotes, escaped, and cut after `limit`
    /// characters with its length named (`"aaaa…" (70000 characters)`), so that a long token neither
    /// floods the terminal nor slows every later step that reads the message.
    public static func quote(_ text: String, limit: Int = 64) -> String {
        let count = text.count
        guard count > limit else { return "\"\(printable(text))\"" }
        return "\"\(printable(String(text.prefix(limit))))…\" (\(count) characters)"
    }

    /// A value shown without quotes (a number as written): escaped, and cut like `quote`.
    public static func clip(_ text: String, limit: Int = 64) -> String {
        let count = text.count
        guard count > limit else { return printable(text) }
        return "\(printable(String(text.prefix(limit))))… (\(count) characters)"
    }

    private static func isControl(_ scalar: Unicode.Scalar) -> Bool { scalar.properties.generalCategory == .control }

    public var description: String {
        "\(file):\(line):\(column): " + (path.isEmpty ? "" : "\(path): ") + message
    }
}

/// Every problem found in one or more scenario files; nothing ran.
public struct ScenarioValidationError: Error, Sendable, Hashable, CustomStringConvertible {
    public var errors: [ScenarioError]

    public init(errors: [ScenarioError]) { self.errors = errors }

    /// One error per line, in file order.
    public var description: String { errors.map(\.description).joined(separator: "\n") }

    /// The user-facing error: id `SCENARIO_INVALID`, exit code 65 (invalid input).
    public var labrunError: LabrunError {
        labrunError(id: ErrorID.scenarioInvalid, noun: "scenario file",
                    advice: "Fix the keys named above; the format is in specs/scenario-format.md, and editors with the YAML "
                        + "language server check files against specs/scenario.schema.json as you type.")
    }

    /// The user-facing error of an invalid stack file: id `STACK_INVALID`, exit code 65 (invalid input).
    public var stackLabrunError: LabrunError {
        labrunError(id: ErrorID.stackInvalid, noun: "stack file",
                    advice: "Fix the keys named above; the format is in specs/stack-format.md, and editors with the YAML "
                        + "language server check files against specs/stack.schema.json as you type.")
    }

    private func labrunError(id: String, noun: String, advice: String) -> LabrunError {
        let files = Set(errors.map(\.file)).count
        let count = errors.count == 1 ? "1 error" : "\(errors.count) errors"
        let where_ = files == 1 ? "in \(errors.first?.file ?? "the \(noun)")" : "in \(files) \(noun)s"
        return LabrunError(id: id, exitCode: ExitCode.invalidInput, message: "Found \(count) \(where_); nothing was run:\n" + description,
                           advice: advice)
    }
}
