import Foundation

/// Where labrun talks to people: progress on standard error, results on standard output.
///
/// Colour only on a terminal and never with `NO_COLOR`; `--verbose` adds commands and requests.
/// Everything printed passes through the `Redactor`.
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

    public init(level: Level = .normal, environment: [String: String] = ProcessInfo.processInfo.environment,
                clock: any LabClock = SystemClock()) {
        self.level = level
        self.interactive = isatty(STDERR_FILENO) == 1 && environment["CI"] == nil
        self.colour = interactive && environment["NO_COLOR"] == nil && environment["TERM"] != "dumb"
        self.clock = clock
    }

    /// A line of progress (standard error).
    public func info(_ text: String) { emit(text, to: FileHandle.standardError) }

    /// Detail shown only with `--verbose`.
    public func debug(_ text: String) {
        guard level >= .verbose else { return }
        emit(paint("  " + text, code: "2"), to: FileHandle.standardError)
    }

    public func warn(_ text: String) { emit(paint("! " + text, code: "33"), to: FileHandle.standardError) }

    /// A result for standard output (tables, URLs, JSON).
    public func result(_ text: String) { emit(text, to: FileHandle.standardOutput, always: true) }

    /// Runs one named step of a longer job, printing `• name …` then `✓ name (1.2s)` or `✗ name`.
    @discardableResult
    public func step<T>(_ name: String, _ body: () async throws -> T) async throws -> T {
        let start = clock.now()
        info(paint("• ", code: "36") + name + " …")
        do {
            let value = try await body()
            info(paint("✓ ", code: "32") + name + paint(" (\(formatSeconds(clock.now() - start)))", code: "2"))
            return value
        } catch {
            info(paint("✗ ", code: "31") + name + paint(" (\(formatSeconds(clock.now() - start)))", code: "2"))
            throw error
        }
    }

    public func paint(_ text: String, code: String) -> String {
        colour ? "\u{1B}[\(code)m\(text)\u{1B}[0m" : text
    }

    private func emit(_ text: String, to handle: FileHandle, always: Bool = false) {
        guard always || level > .quiet else { return }
        let line = Redactor.shared.redact(text) + "\n"
        lock.withLock { handle.write(Data(line.utf8)) }
    }
}
