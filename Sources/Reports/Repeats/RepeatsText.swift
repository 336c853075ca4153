import LabrunCore
import ScenarioModel

/// The terminal's account of `--repeat N`: per scenario its verdict over the runs (flaky when some
/// passed), the pass rate, and a table of every key figure's min / median / p90 / max.
///
/// ```
/// db-persistence-restart: flaky — 4 of 5 runs passed (80%)
///   figure                                                  min  median     p90     max  runs
///   error window: backend back within 90s of PostgreSQL…  13.5s   21.0s   69.0s   69.0s   4/5
/// ```
public enum RepeatsText {
    /// The whole account; untrusted names are redacted.
    public static func render(_ summaries: [RepeatSummary], redactor: Redactor = .shared) -> String {
        summaries.map { render($0, redactor: redactor) }.joined(separator: "\n")
    }

    /// One line for a scenario's verdict over its runs: `flaky — 4 of 5 runs passed (80%)`.
    public static func verdictLine(_ summary: RepeatSummary) -> String {
        "\(summary.verdict.rawValue) — \(summary.passed) of \(summary.runs) run\(summary.runs == 1 ? "" : "s") passed"
            + " (\(Int((summary.passRate * 100).rounded()))%)"
    }

    static func render(_ summary: RepeatSummary, redactor: Redactor) -> String {
        var lines = ["\(redactor.redact(summary.scenario)): \(verdictLine(summary))"]
        guard !summary.figures.isEmpty else { return lines[0] }
        let names = summary.figures.map { redactor.redact($0.name) }
        let width = min(56, max(6, names.map(\.count).max() ?? 0))
        let columns = ["min", "median", "p90", "max"]
        lines.append("  " + pad("figure", width) + columns.map { left(8, $0) }.joined() + left(6, "runs"))
        for (figure, name) in zip(summary.figures, names) {
            let d = figure.distribution
            let cells = [d.min, d.median, d.p90, d.max].map { left(8, HistoryComparison.figure($0, figure.unit)) }.joined()
            lines.append("  " + pad(name, width) + cells + left(6, "\(d.count)/\(summary.runs)"))
        }
        return lines.joined(separator: "\n")
    }

    private static func pad(_ text: String, _ width: Int) -> String {
        let cut = text.count > width ? String(text.prefix(width - 1)) + "…" : text
        return cut + String(repeating: " ", count: max(0, width - cut.count))
    }

    private static func left(_ width: Int, _ text: String) -> String {
        String(repeating: " ", count: max(1, width - text.count)) + text
    }
}
