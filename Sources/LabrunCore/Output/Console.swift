import Foundation

/// Where labrun talks to people: progress on standard error, results on standard output.
///
/// Colour only on a terminal and never with `NO_COLOR`; `--verbose` adds commands and requests.
/// Everything printed passes through the `Redactor`, then `TerminalText`: text handed to the console
/// (scenario data, file names, pod logs, server messages) can show an escape sequence but never send
/// one; the only escape sequences written are the console's own colours.
public final class Console: @unchecked Sendable {
    public enum Level: Int, Sendable, Comparable {
        case quiet, normal, verbose
        public static func < (a: Level, b: Level) -> Bool { a.rawValue < b.rawValue }
    }

    public let level: Level
    public let colour: Bool
    public let interactive: Bool
    private let lock = NSLock()
    private let clock: any LabClock
    private let sink: @Sendable (String, Stream) -> Void

    /// Where a line goes.
    public enum Stream: Sendable { case standardOutput, standardError }

    /// `sink` receives every finished line (default: written to the stream); tests pass their own.
    public init(level: Level = .normal, environment: [String: String] = ProcessInfo.processInfo.environment,
                clock: any LabClock = SystemClock(), sink: (@Sendable (String, Stream) -> Void)? = nil) {
        self.level = level
        self.interactive = isatty(STDERR_FILENO) == 1 && environment["CI"] == nil
        self.colour = interactive && environment["NO_COLOR"] == nil && environment["TERM"] != "dumb"
        self.clock = clock
        self.sink = sink ?? { line, stream in
            (stream == .standardOutput ? FileHandle.standardOutput : FileHandle.standardError).write(Data(line.utf8))
        }
    }

    /// A line of progress (standard error).
    public func info(_ text: String) { emit(safe(text), to: .standardError) }

    /// Detail shown only with `--verbose`.
    public func debug(_ text: String) {
        guard level >= .verbose else { return }
        emit(paint(safe("  " + text), code: "2"), to: .standardError)
    }

    public func warn(_ text: String) { emit(paint(safe("! " + text), code: "33"), to: .standardError) }

    /// A result for standard output (tables, URLs, JSON).
    public func result(_ text: String) { emit(safe(text), to: .standardOutput, always: true) }

    /// An error for standard error, shown whatever the level: `error: message [ID]` and its advice.
    public func error(_ error: LabrunError) {
        var text = "error: \(error.message) [\(error.id)]"
        if let advice = error.advice { text += "\n  → \(advice)" }
        emit(safe(text), to: .standardError, always: true)
    }

    /// Runs one named step of a longer job, printing `• name …` then `✓ name (1.2s)` or `✗ name`.
    @discardableResult
    public func step<T>(_ name: String, _ body: () async throws -> T) async throws -> T {
        let start = clock.now()
        let name = safe(name)
        emit(paint("• ", code: "36") + name + " …", to: .standardError)
        do {
            let value = try await body()
            emit(paint("✓ ", code: "32") + name + paint(" (\(formatSeconds(clock.now() - start)))", code: "2"), to: .standardError)
            return value
        } catch {
            emit(paint("✗ ", code: "31") + name + paint(" (\(formatSeconds(clock.now() - start)))", code: "2"), to: .standardError)
            throw error
        }
    }

    public func paint(_ text: String, code: String) -> String {
        colour ? "\u{1B}[\(code)m\(text)\u{1B}[0m" : text
    }

    /// Untrusted text as it may be printed: secrets masked, control characters shown, not sent.
    private func safe(_ text: String) -> String { TerminalText.sanitize(Redactor.shared.redact(text)) }

    /// Writes a line made only of `safe` text and the console's own colours.
    private func emit(_ text: String, to stream: Stream, always: Bool = false) {
        guard always || level > .quiet else { return }
        lock.withLock { sink(text + "\n", stream) }
    }
}
