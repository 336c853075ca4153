import Foundation
import LabrunCore

/// Renders the live progress of a run: scenario, phase, elapsed time, requests/s, errors, p99, last event.
///
/// On a terminal it is one status line rewritten in place (a carriage return, padded over the previous
/// line, cut to the terminal's width). Without a terminal (CI logs, pipes) it prints plain timestamped
/// lines, at most one every `interval` seconds (and at once when the phase changes). Colour is used only
/// when allowed (`Console.colour`: a terminal, no `NO_COLOR`, not `TERM=dumb`); without colour the output
/// holds no escape sequences at all. Rendering is pure: the caller writes the returned text to standard error.
public struct ProgressView: Sendable {
    /// How the output is shown.
    public enum Mode: Sendable, Hashable {
        /// An interactive terminal of this many columns: one line updated in place.
        case terminal(columns: Int)
        /// A log: one line per update, at most one every `interval` seconds.
        case plain(interval: Double)
    }

    public let mode: Mode
    public let colour: Bool
    private let redactor: Redactor
    /// Per scenario (several run at once with `--parallel`): when its last plain line was written, in which phase.
    private var lastPlainAt: [String: Double] = [:]
    private var lastPhase: [String: String] = [:]
    private var lastWidth = 0

    public init(mode: Mode, colour: Bool, redactor: Redactor = .shared) {
        self.mode = mode
        self.colour = colour
        self.redactor = redactor
    }

    /// The view that suits a console: in place on a terminal, plain lines every `interval` seconds otherwise.
    public init(console: Console, environment: [String: String] = ProcessInfo.processInfo.environment,
                interval: Double = 10, redactor: Redactor = .shared) {
        let columns = Self.terminalColumns() ?? environment["COLUMNS"].flatMap(Int.init) ?? 100
        self.init(mode: console.interactive ? .terminal(columns: max(columns, 20)) : .plain(interval: interval),
                  colour: console.colour, redactor: redactor)
    }

    /// The status text for a snapshot, cut to `limit` visible characters when given (colour codes are not counted).
    public func line(_ snapshot: ProgressSnapshot, limit: Int? = nil) -> String {
        let errorShare = snapshot.requests > 0 ? " (\(ReportFormat.percent(Double(snapshot.errors) / Double(snapshot.requests))))" : ""
        var segments: [(String, String?)] = [
            (redactor.redact(snapshot.scenario), "1"),
            ("  " + snapshot.phase, "36"),
            ("  " + ReportFormat.duration(snapshot.elapsed), nil),
            ("  " + ReportFormat.rate(snapshot.requestsPerSecond).replacingOccurrences(of: "/s", with: " req/s"), nil),
            ("  errors \(snapshot.errors)\(errorShare)", snapshot.errors > 0 ? "31" : nil),
            ("  p99 " + ReportFormat.latency(snapshot.p99), nil),
        ]
        if let event = snapshot.lastEvent, !event.isEmpty {
            let oneLine = event.split(whereSeparator: \.isNewline).joined(separator: " ")
            segments.append(("  · " + redactor.redact(Markup.stripANSI(oneLine)), "2"))
        }
        var out = ""
        var used = 0
        for (text, code) in segments {
            // One line, and nothing a terminal acts on (C0, DEL, C1, bidi overrides): each becomes a space.
            let clean = String(text.unicodeScalars.map { $0.value < 0x20 || TerminalText.needsEscape($0) ? " " : Character($0) })
            var piece = clean
            if let limit, used + clean.count > limit {
                let room = limit - used
                guard room > 1 else { break }
                piece = String(clean.prefix(room - 1)) + "…"
            }
            used += piece.count
            out += paint(piece, code)
            if let limit, used >= limit { break }
        }
        return out
    }

    /// The text to write for this snapshot, or nil when nothing should be written yet (plain mode, too soon).
    ///
    /// - Parameters:
    ///   - now: seconds on the run's clock, for throttling plain lines.
    ///   - wallTime: the time printed at the start of a plain line.
    public mutating func frame(_ snapshot: ProgressSnapshot, now: Double, wallTime: Date) -> String? {
        frame([snapshot], changed: snapshot.scenario, now: now, wallTime: wallTime)
    }

    /// The text to write when `changed` moved on while `running` scenarios run at once: on a terminal
    /// one line with a share of the width each (every running scenario is shown); in a log, the
    /// changed scenario's line, throttled per scenario.
    public mutating func frame(_ running: [ProgressSnapshot], changed: String, now: Double, wallTime: Date) -> String? {
        switch mode {
        case .terminal(let columns):
            let separator = " │ "
            let total = max(columns - 1, 10)
            let each = max(10, (total - separator.count * (running.count - 1)) / max(running.count, 1))
            let text = running.map { line($0, limit: each) }.joined(separator: separator)
            let plain = ProgressView(mode: mode, colour: false, redactor: redactor)
            let width = running.map { plain.line($0, limit: each).count }.reduce(0, +) + separator.count * max(running.count - 1, 0)
            let padding = String(repeating: " ", count: max(0, lastWidth - width))
            lastWidth = width
            return "\r" + text + padding
        case .plain(let interval):
            guard let snapshot = running.first(where: { $0.scenario == changed }) else { return nil }
            let phaseChanged = snapshot.phase != lastPhase[changed]
            if let last = lastPlainAt[changed], !phaseChanged, now - last < interval { return nil }
            lastPlainAt[changed] = now
            lastPhase[changed] = snapshot.phase
            return "[\(Self.clockTime(wallTime))] " + line(snapshot) + "\n"
        }
    }

    /// The text that ends the view: on a terminal, blanks the status line so the next message starts clean.
    public mutating func finish() -> String {
        guard case .terminal = mode, lastWidth > 0 else { return "" }
        let text = "\r" + String(repeating: " ", count: lastWidth) + "\r"
        lastWidth = 0
        return text
    }

    private func paint(_ text: String, _ code: String?) -> String {
        guard colour, let code else { return text }
        return "\u{1B}[\(code)m\(text)\u{1B}[0m"
    }

    /// The width of the terminal on standard error, when it is one and says.
    static func terminalColumns() -> Int? {
        #if os(Linux)
        var size = winsize()
        guard ioctl(STDERR_FILENO, UInt(TIOCGWINSZ), &size) == 0, size.ws_col > 0 else { return nil }
        return Int(size.ws_col)
        #else
        return nil  // TIOCGWINSZ is not importable on Darwin; COLUMNS or the default applies.
        #endif
    }

    /// `HH:mm:ss` in UTC.
    static func clockTime(_ date: Date) -> String {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC") ?? calendar.timeZone
        let c = calendar.dateComponents([.hour, .minute, .second], from: date)
        return String(format: "%02d:%02d:%02dZ", c.hour ?? 0, c.minute ?? 0, c.second ?? 0)
    }
}
