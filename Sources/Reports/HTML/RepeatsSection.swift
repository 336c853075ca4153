import ScenarioModel

/// The HTML report's "Repeats" section under `--repeat N`: per scenario its verdict over the runs
/// (flaky when only some passed), the pass rate, and every key figure's min / median / p90 / max.
enum RepeatsSection {
    /// The section; empty when no scenario ran more than once. Input must already be redacted.
    static func html(_ summaries: [RepeatSummary]) -> String {
        let repeated = summaries.filter { $0.runs > 1 }
        guard !repeated.isEmpty else { return "" }
        var out = "<section class=\"repeats\" id=\"repeats\">\n<h2>Repeats</h2>\n"
        out += "<p class=\"meta\">Each scenario ran \(repeated.map(\.runs).max() ?? 0) times. A scenario that passed only "
            + "sometimes is <strong>flaky</strong>, never passed. Percentiles are nearest-rank: the p90 of fewer than ten runs is their max.</p>\n"
        for summary in repeated {
            out += "<h3>\(Markup.text(summary.scenario)) \(badge(summary.verdict)) "
                + "<span class=\"count\">\(summary.passed) of \(summary.runs) runs passed "
                + "(\(Int((summary.passRate * 100).rounded()))%)</span></h3>\n"
            guard !summary.figures.isEmpty else { continue }
            out += "<table class=\"distribution\">\n<thead><tr><th>Figure</th><th class=\"num\">Min</th><th class=\"num\">Median</th>"
                + "<th class=\"num\">p90</th><th class=\"num\">Max</th><th class=\"num\">Runs measured</th></tr></thead>\n<tbody>\n"
            for figure in summary.figures {
                let d = figure.distribution
                out += "<tr><td>\(Markup.text(figure.name))</td>"
                for value in [d.min, d.median, d.p90, d.max] {
                    out += "<td class=\"num\">\(Markup.text(HistoryComparison.figure(value, figure.unit)))</td>"
                }
                out += "<td class=\"num\">\(d.count)/\(summary.runs)</td></tr>\n"
            }
            out += "</tbody>\n</table>\n"
        }
        return out + "</section>\n"
    }

    /// A verdict over runs as a badge: `passed`, `FLAKY`, `FAILED`, `ERROR`, `skipped`.
    static func badge(_ verdict: RepeatVerdict) -> String {
        let word = verdict == .passed || verdict == .skipped ? verdict.rawValue : verdict.rawValue.uppercased()
        return "<span class=\"badge \(verdict.rawValue)\">\(word)</span>"
    }

    static let css = """
    .badge.flaky{color:#4a3000;background:#ffd98a;border-color:#c99a2e}
    table.distribution td:first-child{max-width:520px}
    """
}
