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

    /// Commands starting with `prefix` answer `outputs` in turn, the last one repeating (a process
    /// whose answer changes between polls).
    public func add(_ prefix: [String], inTurn outputs: [ProcessOutput]) {
        lock.withLock { sequences.append((prefix, outputs, 0)) }
    }
    private var sequences: [(prefix: [String], outputs: [ProcessOutput], served: Int)] = []

    /// What `start` writes to the log path of a background command starting with `prefix` (a
    /// process that prints, e.g., a URL).
    public func addStarted(_ prefix: [String], log: String, running: Bool = true) {
        lock.withLock { startedLogs.append((prefix, log, running)) }
    }
    private var startedLogs: [(prefix: [String], log: String, running: Bool)] = []

    public func run(_ command: Command) async throws -> ProcessOutput {
        lock.withLock {
            recorded.append(command)
            let line = [command.executable] + command.arguments
            for index in sequences.indices.reversed() where line.starts(with: sequences[index].prefix) {
                let entry = sequences[index]
                sequences[index].served += 1
                return entry.outputs[min(entry.served, entry.outputs.count - 1)]
            }
            // The last rule added wins, so a test can override an earlier answer.
            for rule in rules.reversed() where line.starts(with: rule.prefix) { return rule.output }
            return fallback
        }
    }

    public func start(_ command: Command, logPath: String?) async throws -> any BackgroundProcess {
        let line = [command.executable] + command.arguments
        let started = lock.withLock { () -> (log: String, running: Bool)? in
            recorded.append(command)
            return startedLogs.last { line.starts(with: $0.prefix) }.map { ($0.log, $0.running) }
        }
        if let started, let logPath { try Data(started.log.utf8).write(to: URL(fileURLWithPath: logPath)) }
        let process = RecordedBackgroundProcess(command: command)
        if started?.running == false { await process.stop(grace: 0) }
        return process
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
