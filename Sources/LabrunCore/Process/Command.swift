/// Everything about one process run, as a plain value: a fake runner can record it and a failed
/// run can print it so it can be pasted into a shell.
public struct Command: Sendable, Equatable, CustomStringConvertible {
    /// Program name (looked up on `PATH`) or absolute path.
    public var executable: String
    public var arguments: [String]
    /// Variables added to (or replacing) the inherited environment.
    public var environment: [String: String]
    public var workingDirectory: String?
    /// Bytes to write to standard input, if any.
    public var input: String?
    /// Seconds after which the process is torn down (SIGTERM, then SIGKILL) and the run fails.
    public var timeout: Double?

    public init(_ executable: String, _ arguments: [String] = [], environment: [String: String] = [:],
                workingDirectory: String? = nil, input: String? = nil, timeout: Double? = nil) {
        self.executable = executable
        self.arguments = arguments
        self.environment = environment
        self.workingDirectory = workingDirectory
        self.input = input
        self.timeout = timeout
    }

    /// The command as a shell line (values of environment variables are not shown: they may be secrets).
    public var description: String {
        let env = environment.keys.sorted().map { "\($0)=…" }
        return (env + [executable] + arguments).map(Command.shellQuote).joined(separator: " ")
    }

    static func shellQuote(_ word: String) -> String {
        let safe = word.allSatisfy { $0.isLetter || $0.isNumber || "-_./:=,@%+…".contains($0) }
        if safe && !word.isEmpty { return word }
        return "'" + word.replacingOccurrences(of: "'", with: "'\\''") + "'"
    }
}

/// What a finished process left behind.
public struct ProcessOutput: Sendable, Equatable {
    public var exitCode: Int32
    public var standardOutput: String
    public var standardError: String

    public init(exitCode: Int32, standardOutput: String = "", standardError: String = "") {
        self.exitCode = exitCode
        self.standardOutput = standardOutput
        self.standardError = standardError
    }

    public var succeeded: Bool { exitCode == 0 }
}
