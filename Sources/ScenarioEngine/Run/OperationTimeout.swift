import Foundation
import LabrunCore
import ScenarioModel

/// Runs one piece of work with a time limit on the run's clock: when the limit passes first, the
/// work is cancelled and a `TIMEOUT` error names what did not finish.
public enum OperationTimeout {
    /// The deadline (on the clock given to `run`) of the innermost operation running in this task.
    /// Waits inside an action end a moment before it, so their own error, which says what was last
    /// seen, is the one reported.
    @TaskLocal public static var deadline: Double?
    /// The `timeout` a step's operation gives itself in the file (nil when it has none): an `http`
    /// action's request may take that long.
    @TaskLocal public static var own: Double?

    public static func run<T: Sendable>(seconds: Double, clock: any LabClock, what: String,
                                        _ body: @escaping @Sendable () async throws -> T) async throws -> T {
        let deadline = min(clock.now() + max(0, seconds), Self.deadline ?? .infinity)
        return try await withThrowingTaskGroup(of: T?.self) { group in
            group.addTask { try await Self.$deadline.withValue(deadline) { try await body() } }
            group.addTask {
                try await clock.sleep(seconds: max(0, seconds))
                return nil
            }
            defer { group.cancelAll() }
            guard let first = try await group.next() else { throw CancellationError() }
            guard let value = first else {
                throw LabrunError(id: ErrorID.timeout, exitCode: ExitCode.timeout,
                                  message: "\(what) did not finish within \(formatSeconds(seconds)).")
            }
            return value
        }
    }
}

/// How errors of a run are turned into one line for a result.
public enum RunFailure {
    public static func describe(_ error: any Error) -> String {
        if error is CancellationError { return "interrupted (Ctrl-C / SIGTERM)" }
        if let error = error as? LabrunError { return error.message }
        return Redactor.shared.redact(String(describing: error))
    }

    /// Whether the error is a time limit running out.
    public static func isTimeout(_ error: any Error) -> Bool {
        (error as? LabrunError)?.id == ErrorID.timeout || (error as? LabrunError)?.id == ErrorID.commandTimeout
    }
}
