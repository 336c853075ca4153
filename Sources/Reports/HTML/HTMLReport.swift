import Foundation
import LabrunCore
import ScenarioModel

/// Renders a run as one self-contained HTML page: no script, no external assets, readable offline.
///
/// The page opens with a summary table (one row per scenario); then, per scenario, its timeline as
/// inline SVG, the load statistics per phase, the steady-state checks, steps, assertions (with the write
/// ledger's outcome chart) and cleanup with failure details in `<pre>`, the full event list and links to
/// the pod logs and events collected on failure.
/// Verdicts are always written as words, so the page reads without colour.
public struct HTMLReport: Sendable {
    public var title: String
    private let redactor: Redactor

    public init(title: String = "labrun report", redactor: Redactor = .shared) {
        self.title = title
        self.redactor = redactor
    }

    /// The HTML document; with `history`, a section comparing this run with the previous one and
    /// trend charts (`HistorySection`); under `--repeat`, a section of distributions (`RepeatsSection`).
    public func render(_ results: [ScenarioResult], generatedAt: Date, history: ReportHistory? = nil) -> String {
        let safe = results.map { $0.redacted(by: redactor) }
        let anchors = safe.enumerated().map { index, result in "s\(index + 1)-" + Self.slug(result.runName) }
        let summaries = RepeatSummary.summarize(safe)
        let overall = ScenarioResult.combinedVerdict(safe.map(\.verdict))
        var html = """
        <!DOCTYPE html>
        <html lang="en">
        <head>
        <meta charset="utf-8">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <title>\(h(redactor.redact(title))) — \(h(ReportFormat.verdict(overall)))</title>
        <style>\(Self.css)\(RepeatsSection.css)\(HistorySection.css)</style>
        </head>
        <body>
        <header>
        <h1>\(h(redactor.redact(title))) \(badge(overall))</h1>
        <p class="meta">Generated \(h(ReportFormat.timestamp(generatedAt))) · \(safe.count) scenario\(safe.count == 1 ? "" : "s")</p>
        </header>

        """
        html += summary(safe, anchors: anchors)
        html += RepeatsSection.html(summaries)
        if let history {
            html += HistorySection.html(history.redacted(by: redactor), scenarios: summaries.map(\.scenario))
        }
        for (result, anchor) in zip(safe, anchors) {
            html += section(result, anchor: anchor)
        }
        html += "<footer><p class=\"meta\">Written by labrun. Times are seconds since the run started.</p></footer>\n"
        html += "</body>\n</html>\n"
        return html
    }

    // MARK: - Summary

    private func summary(_ results: [ScenarioResult], anchors: [String]) -> String {
        var out = """
        <section class="summary">
        <h2>Summary</h2>
        <table>
        <thead><tr><th>Scenario</th><th>Verdict</th><th class="num">Duration</th><th class="num">Steps</th>\
        <th class="num">Steady state</th><th class="num">Assertions passed</th><th class="num">Assertions failed</th>\
        <th class="num">Not run / errors</th></tr></thead>
        <tbody>

        """
        for (result, anchor) in zip(results, anchors) {
            let steps = VerdictCounts(result.steps.map(\.verdict))
            let steady = VerdictCounts((result.steadyStateBefore + result.steadyStateAfter).map(\.verdict))
            let checks = VerdictCounts(result.assertions.map(\.verdict))
            out += "<tr class=\"\(result.verdict.rawValue)\"><td><a href=\"#\(anchor)\">\(h(result.runName))</a></td>"
            out += "<td>\(badge(result.verdict))</td>"
            out += "<td class=\"num\">\(h(ReportFormat.duration(result.durationSeconds)))</td>"
            out += "<td class=\"num\">\(steps.passed)/\(steps.total)</td>"
            out += "<td class=\"num\">\(steady.passed)/\(steady.total)</td>"
            out += "<td class=\"num\">\(checks.passed)</td>"
            out += "<td class=\"num\(checks.failed > 0 ? " bad" : "")\">\(checks.failed)</td>"
            out += "<td class=\"num\">\(checks.skipped) skipped, \(checks.errors) errors</td></tr>\n"
        }
        return out + "</tbody>\n</table>\n</section>\n"
    }

    // MARK: - One scenario

    private func section(_ result: ScenarioResult, anchor: String) -> String {
        var out = "<section class=\"scenario\" id=\"\(anchor)\">\n"
        out += "<h2>\(h(result.runName)) \(badge(result.verdict))</h2>\n"
        if !result.description.isEmpty { out += "<p class=\"description\">\(h(result.description))</p>\n" }
        out += "<dl class=\"facts\">"
        for (key, value) in [("Provider", result.provider), ("Namespace", result.namespace),
                             ("Started", ReportFormat.timestamp(result.startedAt)),
                             ("Duration", ReportFormat.duration(result.durationSeconds))] where !value.isEmpty {
            out += "<div><dt>\(key)</dt><dd>\(h(value))</dd></div>"
        }
        out += "</dl>\n"
        if let reason = result.abortReason {
            out += "<div class=\"abort\"><strong>Stopped early:</strong> \(h(reason))</div>\n"
        }
        if !result.series.isEmpty || !result.timeline.isEmpty || !result.steps.isEmpty {
            out += "<h3>Timeline</h3>\n<div class=\"chart\">\(TimelineChart(result: result).svg())</div>\n"
        }
        if !result.phases.isEmpty || result.targetRate != nil { out += loadSection(result) }
        out += checks("Steady state before", result.steadyStateBefore)
        if !result.steps.isEmpty { out += stepsTable(result.steps) }
        out += checks("Steady state after", result.steadyStateAfter)
        out += checks("Assertions", result.assertions)
        out += WriteOutcomesChart.section(result.assertions)
        if !result.cleanup.isEmpty { out += operationsTable("Cleanup", result.cleanup) }
        if !result.timeline.isEmpty { out += eventsTable(result.timeline) }
        if !result.artifacts.isEmpty { out += artifactsList(result.artifacts) }
        return out + "</section>\n"
    }

    /// The load's rate (and, when it was relative, the capacity it came from), then the phase table.
    private func loadSection(_ result: ScenarioResult) -> String {
        var out = "<h3>Load by phase</h3>\n"
        if let rate = result.targetRate {
            out += "<p class=\"load-rate\">Load at <strong>\(h(String(format: "%g", rate))) req/s</strong>"
            if let calibration = result.calibration {
                out += h(String(format: ": %g%% of the capacity measured at the start of the run, %.1f req/s (%@).",
                                calibration.percentOfCapacity, calibration.capacity, calibration.method))
            } else {
                out += " (a fixed rate)."
            }
            out += "</p>\n"
        }
        if !result.phases.isEmpty { out += phaseTable(result.phases) }
        return out
    }

    private func phaseTable(_ phases: [PhaseStats]) -> String {
        var out = """
        <table class="phases">
        <thead><tr><th>Phase</th><th class="num">Window</th><th class="num">Requests</th><th class="num">Errors</th>\
        <th class="num">Error rate</th><th class="num">p50</th><th class="num">p95</th><th class="num">p99</th>\
        <th class="num">Max</th><th class="num">Throughput</th><th class="num">Offered</th><th>Errors by kind</th>\
        <th>Versions</th></tr></thead>
        <tbody>

        """
        for p in phases {
            out += "<tr><td>\(h(p.phase.rawValue))</td>"
            out += "<td class=\"num\">\(h(ReportFormat.tick(p.start)))–\(h(ReportFormat.tick(p.end)))</td>"
            out += "<td class=\"num\">\(p.count)</td><td class=\"num\(p.errors > 0 ? " bad" : "")\">\(p.errors)</td>"
            out += "<td class=\"num\">\(h(ReportFormat.percent(p.errorRate)))</td>"
            for value in [p.p50, p.p95, p.p99, p.max] { out += "<td class=\"num\">\(h(ReportFormat.latency(value)))</td>" }
            out += "<td class=\"num\">\(h(ReportFormat.rate(p.throughput)))</td>"
            out += "<td class=\"num\">\(h(ReportFormat.rate(p.offeredRate)))</td>"
            out += "<td>\(h(Self.counts(p.errorsByKind)))</td><td>\(h(Self.counts(p.versions)))</td></tr>\n"
        }
        return out + "</tbody>\n</table>\n"
    }

    private func checks(_ heading: String, _ checks: [AssertionResult]) -> String {
        guard !checks.isEmpty else { return "" }
        let counts = VerdictCounts(checks.map(\.verdict))
        var out = "<h3>\(h(heading)) <span class=\"count\">\(counts.passed) of \(counts.total) passed</span></h3>\n"
        out += "<table class=\"checks\">\n<thead><tr><th>Verdict</th><th>Name</th><th>Kind</th><th>Result</th></tr></thead>\n<tbody>\n"
        for check in checks {
            out += "<tr class=\"\(check.verdict.rawValue)\"><td>\(badge(check.verdict))</td><td>\(h(check.name))</td>"
            out += "<td><code>\(h(check.kind))</code></td><td>\(h(check.message))"
            var detail = check.details
            if !check.measured.isEmpty {
                detail.append("measured: " + check.measured.sorted { $0.key < $1.key }
                    .map { "\($0.key) = \(ReportFormat.number($0.value))" }.joined(separator: ", "))
            }
            if !check.details.isEmpty || (!check.verdict.isSuccess && !detail.isEmpty) {
                out += "<pre>\(h(detail.joined(separator: "\n")))</pre>"
            } else if !detail.isEmpty {
                out += "<div class=\"measured\">\(h(detail.joined(separator: " ")))</div>"
            }
            out += "</td></tr>\n"
        }
        return out + "</tbody>\n</table>\n"
    }

    private func stepsTable(_ steps: [StepResult]) -> String {
        let counts = VerdictCounts(steps.map(\.verdict))
        var out = "<h3>Steps <span class=\"count\">\(counts.passed) of \(counts.total) passed</span></h3>\n"
        out += "<table class=\"steps\">\n<thead><tr><th>Verdict</th><th>Step</th><th class=\"num\">Start</th>"
            + "<th class=\"num\">Duration</th><th>Operations</th></tr></thead>\n<tbody>\n"
        for step in steps {
            out += "<tr class=\"\(step.verdict.rawValue)\"><td>\(badge(step.verdict))</td><td>\(h(step.name))</td>"
            out += "<td class=\"num\">\(h(ReportFormat.offset(step.start)))</td>"
            out += "<td class=\"num\">\(h(ReportFormat.duration(step.end - step.start)))</td><td>"
            if let message = step.message { out += "<pre>\(h(message))</pre>" }
            if !step.operations.isEmpty {
                out += "<ul class=\"ops\">"
                for op in step.operations { out += "<li>\(operation(op))</li>" }
                out += "</ul>"
            }
            out += "</td></tr>\n"
        }
        return out + "</tbody>\n</table>\n"
    }

    private func operationsTable(_ heading: String, _ operations: [OperationResult]) -> String {
        let counts = VerdictCounts(operations.map(\.verdict))
        var out = "<h3>\(h(heading)) <span class=\"count\">\(counts.passed) of \(counts.total) passed</span></h3>\n"
        out += "<ul class=\"ops cleanup\">"
        for op in operations { out += "<li>\(operation(op))</li>" }
        return out + "</ul>\n"
    }

    private func operation(_ op: OperationResult) -> String {
        var out = "\(badge(op.verdict)) <code>\(h(op.block))</code> <strong>\(h(op.action))</strong> "
            + "<span class=\"meta\">at \(h(ReportFormat.offset(op.start))), \(h(ReportFormat.duration(op.end - op.start)))"
        if let landed = op.faultLandedAt { out += ", fault landed at \(h(ReportFormat.offset(landed)))" }
        out += "</span>"
        if let message = op.message { out += "<pre>\(h(message))</pre>" }
        return out
    }

    private func eventsTable(_ events: [TimelineEvent]) -> String {
        var out = "<details class=\"events\"><summary>All events (\(events.count))</summary>\n"
        out += "<table>\n<thead><tr><th class=\"num\">At</th><th>Kind</th><th>Subject</th><th>Detail</th></tr></thead>\n<tbody>\n"
        for event in events.sorted(by: { $0.at < $1.at }) {
            out += "<tr class=\"ev-\(event.kind.rawValue)\"><td class=\"num\">\(h(ReportFormat.offset(event.at)))</td>"
            out += "<td>\(h(event.kind.rawValue))</td><td>\(h(event.subject))</td><td>\(h(event.detail))</td></tr>\n"
        }
        return out + "</tbody>\n</table>\n</details>\n"
    }

    private func artifactsList(_ artifacts: [String]) -> String {
        var out = "<h3>Collected files</h3>\n<p class=\"meta\">Pod logs and events collected for this run, next to this report.</p>\n<ul class=\"artifacts\">"
        for path in artifacts {
            if let href = Self.relativeHref(path) {
                out += "<li><a href=\"\(Markup.attribute(href))\">\(h(path))</a></li>"
            } else {
                out += "<li>\(h(path))</li>"
            }
        }
        return out + "</ul>\n"
    }

    // MARK: - Helpers

    private func h(_ text: String) -> String { Markup.text(text) }

    private func badge(_ verdict: Verdict) -> String {
        "<span class=\"badge \(verdict.rawValue)\">\(ReportFormat.verdict(verdict))</span>"
    }

    /// A link target for a file inside the report directory; nil for absolute paths or paths leaving it.
    static func relativeHref(_ path: String) -> String? {
        let parts = path.split(separator: "/", omittingEmptySubsequences: false)
        guard !path.isEmpty, !path.hasPrefix("/"), !path.contains("\\"), !path.contains(":"),
              !parts.contains(where: { $0 == ".." || $0.isEmpty }) else { return nil }
        var allowed = CharacterSet.urlPathAllowed
        allowed.remove(charactersIn: "?#;")
        let encoded = parts.map { String($0).addingPercentEncoding(withAllowedCharacters: allowed) }
        guard encoded.allSatisfy({ $0 != nil }) else { return nil }
        return encoded.compactMap { $0 }.joined(separator: "/")
    }

    /// An id-safe form of a name: lower-case letters, digits and dashes.
    static func slug(_ name: String) -> String {
        let mapped = name.lowercased().unicodeScalars.map { scalar -> Character in
            (("a"..."z").contains(scalar) || ("0"..."9").contains(scalar)) ? Character(scalar) : "-"
        }
        return String(mapped).split(separator: "-").joined(separator: "-")
    }

    private static func counts(_ values: [String: Int]) -> String {
        values.isEmpty ? "–" : values.sorted { $0.key < $1.key }.map { "\($0.key): \($0.value)" }.joined(separator: ", ")
    }


    private static let css = """
    :root{color-scheme:light}
    body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#1d2329;background:#fff;\
    max-width:1200px;margin:0 auto;padding:16px 20px 40px}
    h1{font-size:24px;margin:8px 0 2px}h2{font-size:19px;margin:28px 0 6px;border-bottom:2px solid #d9dee3;\
    padding-bottom:4px}h3{font-size:15px;margin:20px 0 6px}
    .meta{color:#5a6570;font-size:12.5px;margin:2px 0}.count{font-weight:normal;color:#5a6570;font-size:12.5px}
    table{border-collapse:collapse;width:100%;margin:4px 0 10px;font-size:13px}
    th,td{border:1px solid #d9dee3;padding:4px 7px;text-align:left;vertical-align:top}
    th{background:#f3f5f7;font-weight:600}td.num,th.num{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
    td.bad{color:#a61b0f;font-weight:600}
    tr.failed td,tr.error td,tr.faultNotLanded td{background:#fff6f5}tr.skipped td{background:#f8f8f8}
    .badge{display:inline-block;border-radius:3px;padding:0 6px;font-size:12px;font-weight:700;letter-spacing:.02em;\
    border:1px solid;white-space:nowrap}
    .badge.passed{color:#1f6b2c;background:#e3f3e5;border-color:#9fd0a6}
    .badge.failed{color:#fff;background:#b3261e;border-color:#8e1c16}
    .badge.error{color:#fff;background:#6d1b14;border-color:#4a110c}
    .badge.faultNotLanded{color:#fff;background:#8a4b00;border-color:#6a3900}
    .badge.skipped{color:#4b5563;background:#eceff2;border-color:#c4cad1}
    h1 .badge,h2 .badge{font-size:13px;vertical-align:middle}
    pre{background:#f6f8fa;border:1px solid #e1e4e8;padding:6px 8px;margin:4px 0 0;font-size:12px;\
    white-space:pre-wrap;word-break:break-word;max-height:420px;overflow:auto}
    code{font-size:12px}
    .facts{display:flex;flex-wrap:wrap;gap:4px 24px;margin:6px 0}.facts div{display:flex;gap:6px}\
    .facts dt{color:#5a6570}.facts dd{margin:0;font-weight:600}
    .abort{border-left:4px solid #b3261e;background:#fff1f0;padding:6px 10px;margin:8px 0}
    .chart{overflow-x:auto;border:1px solid #e1e4e8;padding:4px 0}.chart svg{display:block;max-width:none}
    ul.ops{margin:4px 0;padding-left:18px}ul.ops li{margin:2px 0}
    .measured{color:#5a6570;font-size:12px}
    details.events summary{cursor:pointer;font-weight:600;margin:16px 0 6px}
    @media print{.chart{overflow:visible}details.events{display:block}}
    """
}
