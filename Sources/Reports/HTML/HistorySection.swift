import Foundation
import ScenarioModel

/// The HTML report's "History" section: each scenario of this run against its previous run in the
/// history (changes, regressions past the scenario's threshold flagged), and a trend chart per key
/// figure over the last `trendLength` runs.
enum HistorySection {
    static let trendLength = 20
    /// At most this many figures get a trend chart per scenario (recoveries first, then phases).
    static let maxTrends = 8

    /// The section; `scenarios` are those of this run, in order. Input must already be redacted.
    static func html(_ history: ReportHistory, scenarios: [String]) -> String {
        var out = "<section class=\"history\" id=\"history\">\n<h2>History</h2>\n"
        out += "<p class=\"meta\">From \(Markup.text(history.file)) — one record per scenario and run of labrun; "
            + "`labrun compare` prints the same against the previous run or a named baseline.</p>\n"
        if let problem = history.problem {
            return out + "<div class=\"abort\"><strong>History not shown:</strong> \(Markup.text(problem))</div>\n</section>\n"
        }
        let comparisons = HistoryComparison.againstPrevious(history.records, scenarios: scenarios)
        for comparison in comparisons {
            out += "<h3>\(Markup.text(comparison.scenario)) \(RepeatsSection.badge(comparison.current.verdict))"
            guard let reference = comparison.reference else {
                out += " <span class=\"count\">first run in the history</span></h3>\n"
                continue
            }
            out += " <span class=\"count\">against \(Markup.text(reference.run)) (\(Markup.text(reference.verdict.rawValue))), "
                + "regression threshold \(ReportFormat.number(comparison.threshold))%</span></h3>\n"
            out += "<table class=\"compare\">\n<thead><tr><th>Figure</th><th class=\"num\">Before (median)</th>"
                + "<th class=\"num\">Now (median)</th><th class=\"num\">Change</th><th></th></tr></thead>\n<tbody>\n"
            if comparison.verdictRegressed {
                out += "<tr class=\"failed\"><td>verdict</td><td class=\"num\">\(Markup.text(reference.verdict.rawValue))</td>"
                    + "<td class=\"num\">\(Markup.text(comparison.current.verdict.rawValue))</td><td></td><td><strong>regressed</strong></td></tr>\n"
            }
            for change in comparison.changes {
                out += "<tr\(change.regressed ? " class=\"failed\"" : "")><td>\(Markup.text(change.name))</td>"
                out += "<td class=\"num\">\(Markup.text(HistoryComparison.figure(change.before, change.unit)))</td>"
                out += "<td class=\"num\">\(Markup.text(HistoryComparison.figure(change.after, change.unit)))</td>"
                out += "<td class=\"num\">\(Markup.text(change.relative.map(HistoryComparison.signedPercent) ?? "–"))</td>"
                out += "<td>\(change.regressed ? "<strong>regressed</strong>" : "")</td></tr>\n"
            }
            out += "</tbody>\n</table>\n"
        }
        for scenario in scenarios {
            let records = Array(history.records.filter { $0.scenario == scenario }.suffix(trendLength))
            guard records.count > 1 else { continue }
            let charts = trendFigures(records).prefix(maxTrends).map { TrendChart(name: $0.name, unit: $0.unit, records: records).svg() }
            guard !charts.isEmpty else { continue }
            out += "<h3>Trend: \(Markup.text(scenario)) <span class=\"count\">last \(records.count) runs, medians; "
                + "a red point is a run that did not pass</span></h3>\n<div class=\"trends\">\(charts.joined())</div>\n"
        }
        return out + "</section>\n"
    }

    /// The figures worth a trend: every recovery, then the phases' p99 and error rate, then the duration.
    static func trendFigures(_ records: [HistoryRecord]) -> [(name: String, unit: KeyFigure.Unit)] {
        var seen: [String: KeyFigure.Unit] = [:]
        var names: [String] = []
        for figure in records.flatMap(\.figures) where seen[figure.name] == nil {
            seen[figure.name] = figure.unit
            names.append(figure.name)
        }
        func rank(_ name: String) -> Int {
            if name.contains(": ") { return 0 }
            if name.hasSuffix(" p99") || name.hasSuffix(" error rate") { return 1 }
            return name == "duration" ? 2 : 3
        }
        return names.filter { rank($0) < 3 }.sorted { rank($0) < rank($1) }.compactMap { name in seen[name].map { (name, $0) } }
    }

    static let css = """
    .trends{display:flex;flex-wrap:wrap;gap:10px}.trends svg{border:1px solid #e1e4e8;background:#fff}
    """
}
