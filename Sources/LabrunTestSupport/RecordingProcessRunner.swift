import Foundation
import LabrunCore

/// A `ProcessRunner` for unit tests: records every command and answers from a script of
/// canned outputs (matched by the command line's prefix), so tests check exactly what would run.
public final class RecordingProcessRunner: ProcessRunner, @unchecked Sendable {
    public struct Rule: Sendable {
        public var prefix: [String]
        public var output: ProcessOutput
        public init(_ prefix: [String], _ output: ProcessOutput) {
            self.prefix = prefix
            self.output = output
        }
    }

    private let lock = NSLock()
    private var rules: [Rule]
    private var recorded: [Command] = []
    private let installed: Set<String>
    /// What unmatched commands answer.
    public var fallback: ProcessOutput

    public init(rules: [Rule] = [], installed: Set<String> = [],
                fallback: ProcessOutput = ProcessOutput(exitCode: 0)) {
        self.rules = rules
        self.installed = installed
        self.fallback = fallback
    }

    /// Every command run so far, in order.
    public var commands: [Command] { lock.withLock { recorded } }

    /// The command lines run so far, as `executable arg arg…`.
    public var commandLines: [String] { commands.map { ([$0.executable] + $0.arguments).joined(separator: " ") } }

    public func add(_ prefix: [String], exitCode: Int32 = 0, stdout: String = "", stderr: String = "") {
        lock.withLock { rules.append(Rule(prefix, ProcessOutput(exitCode: exitCode, standardOutput: stdout, standardError: stderr))) }
    }

    public func run(_ command: Command) async throws -> ProcessOutput {
        lock.withLock {
            recorded.append(command)
            let line = [command.executable] + command.arguments
            // The last rule added wins, so a test can override an earlier answer.
            for rule in rules.reversed() where line.starts(with: rule.prefix) { return rule.output }
            return fallback
        }
    }

    public func start(_ command: Command, logPath: String?) async throws -> any BackgroundProcess {
        lock.withLock { recorded.append(command) }
        return RecordedBackgroundProcess(command: command)
    }

    public func which(_ name: String) -> String? {
        installed.contains(name) ? "/usr/bin/\(name)" : nil
    }
}

/// A background process that never ran; `stop` records that it was asked to stop.
public final class RecordedBackgroundProcess: BackgroundProcess, @unchecked Sendable {
    public let command: Command
    private let lock = NSLock()
    private var stopped = false
    public init(command: Command) { self.command = command }
    public var processIdentifier: Int32? { nil }
    public var wasStopped: Bool { lock.withLock { stopped } }
    public func isRunning() async -> Bool { !wasStopped }
    public func stop(grace: Double) async { lock.withLock { stopped = true } }
}
