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

    public init(file: String, line: Int, column: Int, path: String, message: String) {
        self.file = file
        self.line = line
        self.column = column
        self.path = path
        self.message = message
    }

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
