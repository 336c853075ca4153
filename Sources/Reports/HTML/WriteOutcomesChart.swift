import Foundation
import ScenarioModel

/// Draws a write ledger's outcome as a small self-contained SVG: on the left one bar per outcome class
/// (ok, lost, duplicated, unexpected, recovered, failed-indeterminate, failed), on the right the
/// histogram of the time from acknowledgement to visibility with its percentiles and resolution.
///
/// Like the timeline, it reads without colour: every bar carries its count as text, the classes that
/// fail the ledger are marked "anomaly" in words, and each bar has a `<title>` (a tooltip in browsers).
public struct WriteOutcomesChart: Sendable {
    public var width: Double = 760
    private let name: String
    private let summary: WriteOutcomeSummary

    /// `name` is the assertion's (already redacted, as `HTMLReport` does).
    public init(name: String, summary: WriteOutcomeSummary) {
        self.name = name
        self.summary = summary
    }

    /// The report's "Write outcomes" part: a heading and a chart per `writeLedger` result that has figures.
    static func section(_ assertions: [AssertionResult]) -> String {
        var out = ""
        for result in assertions {
            guard let summary = result.writeOutcomes else { continue }
            out += "<h3>Write outcomes <span class=\"count\">\(Markup.text(result.name))</span></h3>\n"
            out += "<div class=\"chart\">\(WriteOutcomesChart(name: result.name, summary: summary).svg())</div>\n"
        }
        return out
    }

    // MARK: - Layout

    private let rowHeight = 20.0
    private let top = 34.0
    private let labelWidth = 150.0
    private let barsWidth = 200.0
    private let font = "font-family=\"system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif\""

    private var histogramLeft: Double { labelWidth + barsWidth + 90 }
    private var histogramWidth: Double { width - histogramLeft - 16 }
    private var plotBottom: Double { top + Double(WriteOutcome.allCases.count) * rowHeight }

    /// The `<svg>` element.
    public func svg() -> String {
        let height = plotBottom + 58
        var svg = "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"write-outcomes\" viewBox=\"0 0 \(f(width)) \(f(height))\" "
            + "width=\"\(f(width))\" height=\"\(f(height))\" role=\"img\" \(font) font-size=\"11\">"
        svg += "<title>\(Markup.text("Write outcomes of \(name)"))</title>"
        svg += "<rect x=\"0\" y=\"0\" width=\"\(f(width))\" height=\"\(f(height))\" fill=\"#ffffff\"/>"
        svg += classBars()
        svg += visibilityHistogram(height: height)
        return svg + "</svg>"
    }

    /// One horizontal bar per class, longest = the largest count.
    private func classBars() -> String {
        var out = "<g class=\"classes\">" + text(8, 18, "Writes by outcome", size: 12, weight: "600")
        let largest = Double(WriteOutcome.allCases.map(summary.count).max() ?? 0)
        for (index, outcome) in WriteOutcome.allCases.enumerated() {
            let count = summary.count(outcome)
            let y = top + Double(index) * rowHeight
            let length = largest > 0 ? Double(count) / largest * barsWidth : 0
            let note = outcome.isAnomaly ? " — anomaly" : ""
            out += "<g data-outcome=\"\(outcome.rawValue)\"><title>\(Markup.text("\(outcome.label): \(count)\(note)"))</title>"
            out += text(8, y + 14, outcome.label, size: 11, weight: outcome.isAnomaly && count > 0 ? "700" : nil)
            out += "<rect x=\"\(f(labelWidth))\" y=\"\(f(y + 3))\" width=\"\(f(max(length, count > 0 ? 1.5 : 0)))\" "
                + "height=\"\(f(rowHeight - 6))\" fill=\"\(colour(outcome))\"/>"
            out += text(labelWidth + length + 5, y + 14, "\(count)" + (outcome.isAnomaly && count > 0 ? " anomaly" : ""),
                        size: 11, fill: outcome.isAnomaly && count > 0 ? "#a61b0f" : "#222")
            out += "</g>"
        }
        out += "<line x1=\"\(f(labelWidth))\" y1=\"\(f(top))\" x2=\"\(f(labelWidth))\" y2=\"\(f(plotBottom))\" stroke=\"#888\"/>"
        return out + "</g>"
    }

    /// Bars per visibility bucket, with the percentiles and the reads' resolution underneath.
    private func visibilityHistogram(height: Double) -> String {
        var out = "<g class=\"visibility\">"
        out += text(histogramLeft, 18, "Acknowledgement → visible (upper bounds)", size: 12, weight: "600")
        guard let visibility = summary.visibility, visibility.measured > 0 else {
            let why = summary.visibility == nil ? "not timed: the ledger was read only at the end" : "no acknowledged write to time"
            return out + text(histogramLeft, top + 40, why, size: 11, fill: "#555", style: "italic") + "</g>"
        }
        let buckets = visibility.buckets
        let slot = histogramWidth / Double(max(buckets.count, 1))
        let largest = Double(buckets.map(\.count).max() ?? 0)
        let barTop = top + 12
        for (index, bucket) in buckets.enumerated() {
            let x = histogramLeft + Double(index) * slot
            let length = largest > 0 ? Double(bucket.count) / largest * (plotBottom - barTop) : 0
            let label = bucket.upTo.map { "≤" + Self.seconds($0) } ?? ">" + Self.seconds(VisibilitySummary.bucketBounds.last ?? 0)
            out += "<g data-bucket=\"\(Markup.attribute(label))\"><title>\(Markup.text("\(label): \(bucket.count) write(s)"))</title>"
            out += "<rect x=\"\(f(x + 3))\" y=\"\(f(plotBottom - length))\" width=\"\(f(slot - 6))\" height=\"\(f(length))\" fill=\"#4a7fb5\"/>"
            if bucket.count > 0 {
                out += text(x + slot / 2, plotBottom - length - 3, "\(bucket.count)", size: 10, anchor: "middle")
            }
            out += text(x + slot / 2, plotBottom + 13, label, size: 10, fill: "#444", anchor: "middle")
            out += "</g>"
        }
        out += "<line x1=\"\(f(histogramLeft))\" y1=\"\(f(plotBottom))\" x2=\"\(f(histogramLeft + histogramWidth))\" "
            + "y2=\"\(f(plotBottom))\" stroke=\"#888\"/>"
        var figures: [String] = []
        for (title, value) in [("p50", visibility.p50), ("p90", visibility.p90), ("p99", visibility.p99), ("max", visibility.max)] {
            if let value { figures.append("\(title) \(Self.seconds(value))") }
        }
        out += text(8, plotBottom + 34, "Visibility of \(visibility.measured) acknowledged write(s): " + figures.joined(separator: ", ")
                    + "; \(visibility.beforeAcknowledgement) seen before the acknowledgement", size: 10.5, fill: "#333")
        var resolution = "\(visibility.reads) read(s)"
        if let median = visibility.medianGap, let longest = visibility.longestGap {
            resolution += ", one every \(Self.seconds(median)) (longest gap \(Self.seconds(longest))): the resolution"
        }
        if visibility.failedReads > 0 { resolution += "; \(visibility.failedReads) failed" }
        if visibility.vanished > 0 { resolution += "; \(visibility.vanished) key(s) seen, then gone" }
        out += text(8, plotBottom + 49, resolution, size: 10.5, fill: "#555")
        return out + "</g>"
    }

    // MARK: - Helpers

    private func colour(_ outcome: WriteOutcome) -> String {
        switch outcome {
        case .ok: return "#3f8f4f"
        case .lost, .duplicated, .unexpected: return "#b3261e"
        case .recovered: return "#d08c1c"
        case .failedIndeterminate, .failed: return "#9aa3ad"
        }
    }

    private func text(_ x: Double, _ y: Double, _ content: String, size: Double, weight: String? = nil,
                      fill: String = "#222", anchor: String? = nil, style: String? = nil) -> String {
        SVGMarkup.text(x, y, content, size: size, weight: weight, fill: fill, anchor: anchor, style: style)
    }

    /// Seconds as the chart writes them: `0.25s`, `1s`, `2.5s`.
    private static func seconds(_ value: Double) -> String { String(format: "%gs", (value * 1000).rounded() / 1000) }

    private func f(_ value: Double) -> String { SVGMarkup.number(value) }
}
