import Foundation
import Subprocess
#if canImport(System)
import System
#else
import SystemPackage
#endif

/// The real `ProcessRunner`, on swift-subprocess. Output is collected up to 64 MiB; a command with
/// a timeout is torn down (SIGTERM, 5 s, SIGKILL) when it runs out of time.
public struct SystemProcessRunner: ProcessRunner {
    /// Where `--verbose` shows each command before it runs; nil keeps quiet.
    public let trace: (@Sendable (String) -> Void)?

    public init(trace: (@Sendable (String) -> Void)? = nil) {
        self.trace = trace
    }

    static let outputLimit = 64 << 20

    public func run(_ command: Command) async throws -> ProcessOutput {
        trace?("$ \(command)")
        let configuration = try configuration(for: command, graceSeconds: 5)
        let work: @Sendable () async throws -> ProcessOutput = {
            let result = try await Subprocess.run(
                configuration,
                input: .string(command.input ?? ""),
                output: .string(limit: Self.outputLimit),
                error: .string(limit: Self.outputLimit))
            return ProcessOutput(exitCode: Self.exitCode(result.terminationStatus),
                                 standardOutput: result.standardOutput,
                                 standardError: result.standardError)
        }
        do {
            guard let timeout = command.timeout else { return try await work() }
            return try await withThrowingTaskGroup(of: ProcessOutput?.self) { group in
                group.addTask { try await work() }
                group.addTask {
                    try await Task.sleep(for: .milliseconds(Int(timeout * 1000)))
                    return nil
                }
                let first = try await group.next() ?? nil
                group.cancelAll()
                guard let output = first else {
                    throw LabrunError(id: ErrorID.commandTimeout, exitCode: ExitCode.timeout,
                                      message: "`\(command)` did not finish within \(formatSeconds(timeout)) and was stopped.")
                }
                return output
            }
        } catch let error as LabrunError {
            throw error
        } catch let error as SubprocessError {
            throw LabrunError(id: ErrorID.commandNotRun, exitCode: ExitCode.unavailable,
                              message: "Could not run `\(command)`: \(error).",
                              advice: which(command.executable) == nil
                                ? "`\(command.executable)` is not installed or not on PATH." : nil)
        }
    }

    public func start(_ command: Command, logPath: String?) async throws -> any BackgroundProcess {
        trace?("$ \(command) &")
        let handle = SubprocessHandle(command: command)
        let configuration = try configuration(for: command, graceSeconds: 5)
        let fd: FileDescriptor
        if let logPath {
            fd = try FileDescriptor.open(FilePath(logPath), .writeOnly,
                                         options: [.create, .append], permissions: [.ownerReadWrite, .groupRead])
        } else {
            fd = try FileDescriptor.open(FilePath("/dev/null"), .writeOnly)
        }
        // Finishes when the process started, or yields the error that kept it from starting (no such
        // executable, no permission): then `start` fails at once instead of its caller waiting.
        let started = AsyncStream<any Error>.makeStream()
        let task = Task {
            do {
                _ = try await Subprocess.run(
                    configuration, input: .none,
                    output: .fileDescriptor(fd, closeAfterSpawningProcess: true),
                    error: .combinedWithOutput
                ) { execution in
                    handle.setPID(execution.processIdentifier.value)
                    started.continuation.finish()
                    await handle.waitForStopRequest()
                    await execution.teardown(using: [.gracefulShutDown(allowedDurationToNextStep: .milliseconds(Int(handle.grace * 1000)))])
                }
            } catch {
                started.continuation.yield(error)
                started.continuation.finish()
            }
            handle.markExited()
        }
        handle.task = task
        for await failure in started.stream {
            throw LabrunError(id: ErrorID.commandNotRun, exitCode: ExitCode.unavailable,
                              message: "Could not start `\(command)`: \(failure).",
                              advice: which(command.executable) == nil
                                ? "`\(command.executable)` is not installed or not on PATH." : "Check that it can be run by this user.")
        }
        return handle
    }

    public func which(_ name: String) -> String? {
        if name.hasPrefix("/") { return FileManager.default.isExecutableFile(atPath: name) ? name : nil }
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin"
        for dir in path.split(separator: ":") {
            let candidate = "\(dir)/\(name)"
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        return nil
    }

    private func configuration(for command: Command, graceSeconds: Int) throws -> Configuration {
        var options = PlatformOptions()
        options.teardownSequence = [.gracefulShutDown(allowedDurationToNextStep: .seconds(graceSeconds))]
        var env: [Environment.Key: String?] = [:]
        for (key, value) in command.environment {
            guard let envKey = Environment.Key(rawValue: key) else { continue }
            env[envKey] = value
        }
        let executable: Executable = command.executable.hasPrefix("/")
            ? .path(FilePath(command.executable)) : .name(command.executable)
        return Configuration(executable: executable, arguments: Arguments(command.arguments),
                             environment: .inherit.updating(env),
                             workingDirectory: command.workingDirectory.map { FilePath($0) },
                             platformOptions: options)
    }

    static func exitCode(_ status: TerminationStatus) -> Int32 {
        switch status {
        case .exited(let code): return Int32(code)
        case .signaled(let signal): return 128 + Int32(signal)
        }
    }
}

/// A background process started by `SystemProcessRunner.start`.
final class SubprocessHandle: BackgroundProcess, @unchecked Sendable {
    let command: Command
    private let lock = NSLock()
    private var pid: Int32?
    private var exited = false
    private var stopContinuation: CheckedContinuation<Void, Never>?
    private var stopRequested = false
    var grace: Double = 5
    var task: Task<Void, Never>?

    init(command: Command) { self.command = command }

    var processIdentifier: Int32? { lock.withLock { pid } }

    func setPID(_ value: Int32) { lock.withLock { pid = value } }
    func markExited() { lock.withLock { exited = true } }

    func waitForStopRequest() async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let resumeNow = lock.withLock { () -> Bool in
                if stopRequested { return true }
                stopContinuation = continuation
                return false
            }
            if resumeNow { continuation.resume() }
        }
    }

    func isRunning() async -> Bool {
        guard let pid = processIdentifier, !lock.withLock({ exited }) else { return false }
        // The process stays a zombie until it is reaped; read its state rather than probing with kill(0).
        guard let facts = Platform.process(pid) else { return false }
        return !facts.zombie
    }

    func stop(grace: Double) async {
        let continuation = lock.withLock { () -> CheckedContinuation<Void, Never>? in
            self.grace = grace
            stopRequested = true
            defer { stopContinuation = nil }
            return stopContinuation
        }
        continuation?.resume()
        _ = await task?.result
    }
}
