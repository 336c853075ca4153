/// An error meant for a person: what was attempted, what came back, and what to try next.
///
/// Every user-facing failure has a stable `id` (like minikube's reason ids) and an exit code, so
/// scripts can tell failures apart. `description` never carries secrets: every text that goes
/// into it passes through `Redactor`. `debugDetail` holds the raw detail for `--verbose`, also redacted.
/// Message and advice quote untrusted text (file names, server messages, scenario values): their
/// control characters are kept as visible `\u{1B}` text (`TerminalText`), so printing an error can
/// never send an escape sequence to a terminal.
public struct LabrunError: Error, CustomStringConvertible, Sendable, Equatable {
    /// Stable, machine-readable reason, e.g. `K8S_STATUS`, `NO_PROVIDER`, `SCENARIO_INVALID`.
    public let id: String
    /// Process exit status for this kind of failure (see `ExitCode`).
    public let exitCode: Int32
    /// One sentence (or a few) saying what was attempted and what came back.
    public let message: String
    /// What the user can do next, when there is something to say.
    public let advice: String?
    /// Raw detail (command output, response body) shown with `--verbose`.
    public let debugDetail: String?

    public init(id: String, exitCode: Int32 = ExitCode.failure, message: String,
                advice: String? = nil, debugDetail: String? = nil) {
        self.id = id
        self.exitCode = exitCode
        self.message = TerminalText.sanitize(Redactor.shared.redact(message))
        self.advice = advice.map { TerminalText.sanitize(Redactor.shared.redact($0)) }
        self.debugDetail = debugDetail.map { Redactor.shared.redact($0) }
    }

    public var description: String {
        var text = "\(message) [\(id)]"
        if let advice { text += "\n  → \(advice)" }
        return text
    }
}

/// Exit codes shared by every command, stable across releases.
public enum ExitCode {
    public static let success: Int32 = 0
    /// A scenario ran and an assertion or SLO failed.
    public static let failure: Int32 = 1
    /// No scenario failed, but a fault did not land (or had nothing to act on): the run proved nothing.
    public static let faultNotLanded: Int32 = 2
    /// Wrong flags or arguments (argument-parser's own code).
    public static let usage: Int32 = 64
    /// A scenario file or configuration is invalid; nothing was touched.
    public static let invalidInput: Int32 = 65
    /// A required tool, provider or cluster is not available.
    public static let unavailable: Int32 = 69
    /// Something outside labrun failed (a command, the API server, the database).
    public static let external: Int32 = 70
    /// A wait ran out of time.
    public static let timeout: Int32 = 75
    /// Interrupted by Ctrl-C or SIGTERM (cleanup ran).
    public static let interrupted: Int32 = 130
}

extension LabrunError {
    /// A wait that never saw its condition hold.
    public static func timeout(_ what: String, after seconds: Double, lastSeen: String? = nil) -> LabrunError {
        var message = "Timed out after \(formatSeconds(seconds)) waiting for \(what)"
        if let lastSeen, !lastSeen.isEmpty { message += "; last seen: \(lastSeen)" }
        return LabrunError(id: ErrorID.timeout, exitCode: ExitCode.timeout, message: message + ".")
    }
}

/// Formats seconds for people: `850ms`, `4.2s`, `3m05s`.
public func formatSeconds(_ seconds: Double) -> String {
    if seconds < 1 { return "\(Int((seconds * 1000).rounded()))ms" }
    if seconds < 60 { return String(format: "%.1fs", seconds) }
    let whole = Int(seconds.rounded())
    return String(format: "%dm%02ds", whole / 60, whole % 60)
}
