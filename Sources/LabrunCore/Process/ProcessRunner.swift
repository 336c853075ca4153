/// Runs processes. The one seam through which labrun starts anything: the real runner uses
/// swift-subprocess; unit tests use `RecordingProcessRunner` from LabrunTestSupport.
public protocol ProcessRunner: Sendable {
    /// Runs `command` to completion and returns its output, whatever its exit code.
    func run(_ command: Command) async throws -> ProcessOutput

    /// Starts `command` in the background (a port-forward, a log follower). The returned handle
    /// stops it: SIGTERM, a grace period, then SIGKILL.
    func start(_ command: Command, logPath: String?) async throws -> any BackgroundProcess

    /// Whether `name` is an executable on `PATH` (or an executable absolute path).
    func which(_ name: String) -> String?
}

/// A process started with `ProcessRunner.start`.
public protocol BackgroundProcess: Sendable {
    var command: Command { get }
    var processIdentifier: Int32? { get }
    /// True while the process has not exited.
    func isRunning() async -> Bool
    /// Stops the process (SIGTERM, wait up to `grace` seconds, SIGKILL) and waits for it to exit.
    func stop(grace: Double) async
}

extension ProcessRunner {
    /// Runs `command` and throws a `LabrunError` naming the command and its output when it fails.
    @discardableResult
    public func check(_ command: Command, what: String? = nil) async throws -> ProcessOutput {
        let output = try await run(command)
        guard output.succeeded else { throw LabrunError.commandFailed(command, output, what: what) }
        return output
    }
}

extension LabrunError {
    /// A command that exited non-zero: the error prints the command (ready to paste) and the tail of its output.
    public static func commandFailed(_ command: Command, _ output: ProcessOutput, what: String? = nil) -> LabrunError {
        let tail = (output.standardError.isEmpty ? output.standardOutput : output.standardError)
            .split(separator: "\n", omittingEmptySubsequences: true).suffix(12).joined(separator: "\n")
        let doing = what.map { "\($0) failed" } ?? "A command failed"
        return LabrunError(
            id: ErrorID.commandFailed, exitCode: ExitCode.external,
            message: "\(doing): `\(command)` exited with status \(output.exitCode)"
                + (tail.isEmpty ? "." : ":\n" + tail.split(separator: "\n").map { "    " + $0 }.joined(separator: "\n")),
            advice: "Run the command above by hand to see the whole output.",
            debugDetail: output.standardOutput + output.standardError)
    }
}
