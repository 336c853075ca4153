import Foundation
import LabrunCore
import ScenarioModel

/// Number and time formatting shared by the reports and the progress view.
enum ReportFormat {
    /// Latency for people: `850µs`, `12.3ms`, `240ms`, `1.52s`; `–` when unknown.
    static func latency(_ seconds: Double?) -> String {
        guard let seconds, seconds.isFinite else { return "–" }
        if seconds < 0.001 { return "\(Int((seconds * 1_000_000).rounded()))µs" }
        if seconds < 0.1 { return String(format: "%.1fms", seconds * 1000) }
        if seconds < 1 { return "\(Int((seconds * 1000).rounded()))ms" }
        return String(format: "%.2fs", seconds)
    }

    /// A ratio as a percentage: `0%`, `0.35%`, `12.5%`.
    static func percent(_ ratio: Double) -> String {
        guard ratio.isFinite else { return "–" }
        let value = ratio * 100
        if value == 0 { return "0%" }
        if value < 1 { return String(format: "%.2f%%", value) }
        return String(format: "%.1f%%", value)
    }

    /// A rate: `30/s`, `2.5/s`.
    static func rate(_ perSecond: Double) -> String {
        guard perSecond.isFinite else { return "–" }
        if perSecond >= 100 || perSecond == perSecond.rounded() { return "\(Int(perSecond.rounded()))/s" }
        return String(format: "%.1f/s", perSecond)
    }

    /// A duration: `850ms`, `4.2s`, `3m05s` (the same form as every other labrun message).
    static func duration(_ seconds: Double) -> String {
        formatSeconds(Swift.max(0, seconds))
    }

    /// A point on the run's clock: `+12.4s`, `+1m05s`.
    static func offset(_ seconds: Double) -> String {
        seconds < 0 ? "−" + duration(-seconds) : "+" + duration(seconds)
    }

    /// An axis tick: `0s`, `30s`, `1m`, `1m30s`.
    static func tick(_ seconds: Double) -> String {
        let whole = Int(seconds.rounded())
        let sign = whole < 0 ? "−" : ""
        let magnitude = abs(whole)
        if magnitude < 60 { return "\(sign)\(magnitude)s" }
        let (m, s) = (magnitude / 60, magnitude % 60)
        return s == 0 ? "\(sign)\(m)m" : "\(sign)\(m)m\(s < 10 ? "0" : "")\(s)s"
    }

    /// A plain number: whole numbers without decimals (`25`), others to four significant digits (`0.3333`).
    static func number(_ value: Double) -> String {
        value == value.rounded() && abs(value) < 1e15 ? String(Int(value)) : String(format: "%.4g", value)
    }

    /// A UTC timestamp in ISO 8601 (`2026-11-26T18:52:03Z`).
    static func timestamp(_ date: Date) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime]
        formatter.timeZone = TimeZone(identifier: "UTC")
        return formatter.string(from: date)
    }

    /// The word for a verdict as people read it in a table.
    static func verdict(_ verdict: Verdict) -> String {
        switch verdict {
        case .passed: return "passed"
        case .failed: return "FAILED"
        case .error: return "ERROR"
        case .skipped: return "skipped"
        case .faultNotLanded: return "FAULT NOT LANDED"
        }
    }
}
