import Foundation
import ScenarioModel

/// A scenario's newest record against a reference — its previous run, or a named baseline — figure by
/// figure, with regressions flagged.
///
/// Every key figure is "lower is better". A figure regressed when its median grew by more than the
/// scenario's `metadata.regressionPercent` **and** by more than a noise floor (`floor(_:)`: 0.1 s for
/// times, half a percentage point for error rates) — so 4 ms → 6 ms of p50 is not a regression. A
/// verdict regressed when the reference passed and the newest run did not (flaky included).
public struct HistoryComparison: Sendable, Hashable {
    /// One figure, before and after.
    public struct Change: Sendable, Hashable {
        public var name: String
        public var unit: KeyFigure.Unit
        /// The reference's median (nil: the reference did not measure it).
        public var before: Double?
        /// The newest run's median (nil: it did not measure it, e.g. never recovered).
        public var after: Double?
        public var regressed: Bool

        /// `after / before - 1` (nil when either is missing or `before` is 0).
        public var relative: Double? {
            guard let before, let after, before > 0 else { return nil }
            return after / before - 1
        }
    }

    public var scenario: String
    public var current: HistoryRecord
    /// Nil when there is nothing to compare with (the first run, or not in the baseline).
    public var reference: HistoryRecord?
    public var threshold: Double
    public var verdictRegressed: Bool
    public var changes: [Change]

    /// Whether anything regressed.
    public var regressed: Bool { verdictRegressed || changes.contains(where: \.regressed) }

    /// The smallest change of a figure that may count as a regression.
    public static func floor(_ unit: KeyFigure.Unit) -> Double {
        switch unit {
        case .seconds: return 0.1
        case .ratio: return 0.005
        }
    }

    /// `current` against `reference`, by the current record's threshold.
    public init(current: HistoryRecord, reference: HistoryRecord?) {
        scenario = current.scenario
        self.current = current
        self.reference = reference
        threshold = current.regressionPercent
        verdictRegressed = reference.map { $0.verdict == .passed && current.verdict != .passed } ?? false
        var names = current.figures.map(\.name)
        for figure in reference?.figures ?? [] where !names.contains(figure.name) { names.append(figure.name) }
        let threshold = self.threshold
        changes = names.compactMap { name in
            let now = current.figure(name)
            let then = reference?.figure(name)
            guard let unit = now?.unit ?? then?.unit else { return nil }
            let before = then?.distribution.median
            let after = now?.distribution.median
            // A figure missing now (a recovery that never came) failed its assertion: the verdict says so.
            var regressed = false
            if let before, let after {
                regressed = after > before * (1 + threshold / 100) && after - before > Self.floor(unit)
            }
            return Change(name: name, unit: unit, before: before, after: after, regressed: regressed)
        }
    }

    /// Each scenario's newest record (only `scenarios`, when given) against the record of the same
    /// scenario from the latest earlier invocation.
    public static func againstPrevious(_ history: [HistoryRecord], scenarios: [String] = []) -> [HistoryComparison] {
        RunHistory.latest(history).filter { scenarios.isEmpty || scenarios.contains($0.scenario) }.map { current in
            let previous = history.last { $0.scenario == current.scenario && $0.run != current.run }
            return HistoryComparison(current: current, reference: previous)
        }
    }

    /// Each scenario's newest record (only `scenarios`, when given) against its record in `baseline`.
    public static func againstBaseline(_ history: [HistoryRecord], baseline: [HistoryRecord], scenarios: [String] = []) -> [HistoryComparison] {
        RunHistory.latest(history).filter { scenarios.isEmpty || scenarios.contains($0.scenario) }.map { current in
            HistoryComparison(current: current, reference: baseline.last { $0.scenario == current.scenario })
        }
    }

    // MARK: - Text

    /// The comparison for a terminal: a heading per scenario, then one line per figure.
    ///
    /// ```
    /// db-persistence-restart: flaky (was passed) — 20270116T080000Z against 20270115T080000Z, threshold 25%
    ///   REGRESSED  verdict                                     passed → flaky (4 of 5 runs passed)
    ///   REGRESSED  error window: backend back within 90s …     21.0s → 34.2s   +63%
    ///              after p99                                   120ms → 110ms    −8%
    /// ```
    public static func text(_ comparisons: [HistoryComparison], against: String) -> String {
        comparisons.map { comparison in
            let current = comparison.current
            var heading = "\(comparison.scenario): \(current.verdict.rawValue)"
            guard let reference = comparison.reference else {
                return heading + " — \(current.run), nothing to compare with in \(against)"
            }
            heading += " (was \(reference.verdict.rawValue)) — \(current.run) against \(reference.run)"
                + ", regression threshold \(ReportFormat.number(comparison.threshold))%"
            let width = min(60, max(7, comparison.changes.map(\.name.count).max() ?? 0))
            var lines = [heading]
            if comparison.verdictRegressed {
                lines.append("  REGRESSED  " + pad("verdict", width) + "  \(reference.verdict.rawValue) → \(current.verdict.rawValue)"
                             + " (\(current.passed) of \(current.runs) runs passed)")
            }
            for change in comparison.changes {
                let values = "\(figure(change.before, change.unit)) → \(figure(change.after, change.unit))"
                let relative = change.relative.map { " " + signedPercent($0) } ?? ""
                lines.append("  " + (change.regressed ? "REGRESSED  " : "           ") + pad(change.name, width) + "  " + values + relative)
            }
            return lines.joined(separator: "\n")
        }.joined(separator: "\n")
    }

    /// A figure's value as people read it: `21.0s`, `120ms`, `0.35%`; `–` when missing.
    public static func figure(_ value: Double?, _ unit: KeyFigure.Unit) -> String {
        guard let value else { return "–" }
        switch unit {
        case .seconds: return ReportFormat.latency(value)
        case .ratio: return ReportFormat.percent(value)
        }
    }

    /// `+63%`, `−8%`, `±0%`.
    static func signedPercent(_ ratio: Double) -> String {
        let value = Int((ratio * 100).rounded())
        return value > 0 ? "+\(value)%" : value < 0 ? "−\(-value)%" : "±0%"
    }

    private static func pad(_ text: String, _ width: Int) -> String {
        let cut = text.count > width ? String(text.prefix(width - 1)) + "…" : text
        return cut + String(repeating: " ", count: max(0, width - cut.count))
    }
}
