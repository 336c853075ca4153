import Foundation
import ScenarioModel

/// Draws one scenario's timeline as a self-contained SVG (no script, no external assets).
///
/// Lanes share one time axis (seconds since the run started), from the top: requests sent per second,
/// errors per second, latency p50/p99, the app-version mix, steps, chaos events and pod events. The load
/// phases (before / during / after) are shaded behind every lane and named at the top; faults landing
/// and recoveries are drawn as vertical guides through the data lanes. Every lane is named, lines differ
/// in dash as well as colour and markers in shape, so the chart reads in black and white too. Each mark
/// carries a `<title>` with its full text (a tooltip in browsers).
public struct TimelineChart: Sendable {
    /// Overall width in pixels: the page's 1200px column (narrower windows scroll the chart sideways).
    public var width: Double = 1196
    private let result: ScenarioResult
    /// The time domain, seconds on the run's clock: from the earliest to the latest thing on the timeline.
    private let domain: (start: Double, end: Double)

    /// The result should already be redacted; `HTMLReport` does that.
    public init(result: ScenarioResult) {
        self.result = result
        self.domain = Self.domain(of: result)
    }

    // MARK: - Layout constants

    private let left = 178.0
    private let right = 28.0
    private let headerHeight = 24.0
    private let laneGap = 12.0
    private let font = "font-family=\"system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif\""

    private var plotWidth: Double { width - left - right }

    private static func domain(of result: ScenarioResult) -> (start: Double, end: Double) {
        var times: [Double] = [0]
        if let first = result.series.first { times.append(Double(first.second)) }
        if let last = result.series.last { times.append(Double(last.second + 1)) }
        times += result.timeline.map(\.at)
        times += result.phases.flatMap { [$0.start, $0.end] }
        times += result.steps.flatMap { [$0.start, $0.end] }
        if result.durationSeconds > 0 { times.append(result.durationSeconds) }
        let finite = times.filter(\.isFinite)
        let start = finite.min() ?? 0
        let end = finite.max() ?? 1
        return (start, end > start ? end : start + 1)
    }

    private func x(_ t: Double) -> Double {
        let (start, end) = domain
        return left + (t - start) / (end - start) * plotWidth
    }

    // MARK: - Rendering

    /// The `<svg>` element.
    public func svg() -> String {
        var body = ""
        var y = headerHeight + 6
        var lanes: [(name: String, top: Double, bottom: Double)] = []

        func lane(_ id: String, _ title: String, height: Double, subtitle: [String] = [],
                  draw: (Double, Double) -> String) {
            let top = y
            let bottom = y + height
            var g = "<g class=\"lane\" data-lane=\"\(id)\">"
            g += "<rect x=\"\(f(left))\" y=\"\(f(top))\" width=\"\(f(plotWidth))\" height=\"\(f(height))\" "
                + "fill=\"none\" stroke=\"#b8bec6\" stroke-width=\"1\"/>"
            g += text(8, top + 13, title, size: 12, weight: "600")
            for (index, line) in subtitle.enumerated() {
                g += text(8, top + 28 + Double(index) * 14, line, size: 10.5, fill: "#555")
            }
            g += draw(top, bottom)
            g += "</g>"
            body += g
            lanes.append((id, top, bottom))
            y = bottom + laneGap
        }

        let hasLoad = !result.series.isEmpty
        lane("requests", "Requests sent/s", height: 96, subtitle: ["offered load"]) { top, bottom in
            hasLoad ? requestsLane(top, bottom) : empty(top, bottom, "no background load ran")
        }
        lane("errors", "Errors/s", height: 72, subtitle: ["non-2xx, timeouts,", "connection errors"]) { top, bottom in
            hasLoad ? errorsLane(top, bottom) : empty(top, bottom, "no background load ran")
        }
        let latency = latencyScale(top: y + 8, bottom: y + 136)
        lane("latency", "Latency (ms)", height: 136,
             subtitle: [latency.kind == .log ? "log scale" : "linear scale", "── p99 (solid)", "- - p50 (dashed)"]) { top, bottom in
            hasLoad ? latencyLane(top, bottom, latency) : empty(top, bottom, "no background load ran")
        }
        let versions = versionOrder
        lane("versions", "Version mix", height: 64, subtitle: ["share of answers"]) { top, bottom in
            versions.isEmpty ? empty(top, bottom, "no version header data") : versionsLane(top, bottom, versions)
        }
        let stepRows = rows(for: result.steps.map { stepPlacement($0).span }, max: 3)
        lane("steps", "Steps", height: 10 + Double(max(1, stepRows.count)) * 22) { top, bottom in
            result.steps.isEmpty ? empty(top, bottom, "no steps") : stepsLane(top, stepRows.assignment)
        }
        let chaos = result.timeline.filter { [.action, .faultLanded, .recovered, .error].contains($0.kind) }
            .sorted { $0.at < $1.at }
        let chaosRows = rows(for: chaos.map { markerPlacement($0).span }, max: 4)
        lane("chaos", "Chaos events", height: 12 + Double(max(2, chaosRows.count + (chaosRows.assignment.contains(nil) ? 1 : 0))) * 20,
             subtitle: ["▼ action  ✕ fault landed", "● recovered  ■ error"]) { top, bottom in
            chaos.isEmpty ? empty(top, bottom, "no chaos events") : markersLane(top, chaos, chaosRows)
        }
        let pods = result.timeline.filter { $0.kind == .pod }.sorted { $0.at < $1.at }
        let podRows = rows(for: pods.map { markerPlacement($0).span }, max: 6)
        lane("pods", "Pod events", height: 12 + Double(max(1, podRows.count + (podRows.assignment.contains(nil) ? 1 : 0))) * 20,
             subtitle: ["│ Kubernetes event"]) { top, bottom in
            pods.isEmpty ? empty(top, bottom, "no pod events") : markersLane(top, pods, podRows)
        }

        let chartBottom = (lanes.last?.bottom ?? y)
        let axisY = chartBottom + 6
        let height = axisY + 40

        // Background: phase bands, then the time grid, then guides; lanes on top.
        var background = phaseBands(top: headerHeight, bottom: chartBottom)
        background += timeGrid(top: headerHeight, bottom: chartBottom, axisY: axisY)
        let dataBottom = lanes.first { $0.name == "versions" }?.bottom ?? chartBottom
        background += guides(top: headerHeight + 6, bottom: dataBottom)

        var svg = "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"timeline\" viewBox=\"0 0 \(f(width)) \(f(height))\" "
            + "width=\"\(f(width))\" height=\"\(f(height))\" role=\"img\" \(font) font-size=\"11\">"
        svg += "<title>\(Markup.text("Timeline of \(result.scenario)"))</title>"
        svg += "<rect x=\"0\" y=\"0\" width=\"\(f(width))\" height=\"\(f(height))\" fill=\"#ffffff\"/>"
        svg += background + body
        svg += text(left + plotWidth / 2, axisY + 32, "time since the run started", size: 11, fill: "#444", anchor: "middle")
        svg += "</svg>"
        return svg
    }

    // MARK: - Lanes

    private func requestsLane(_ top: Double, _ bottom: Double) -> String {
        let scale = ChartScale.linear(maximum: Double(result.series.map(\.sent).max() ?? 0), top: top + 6, bottom: bottom)
        var out = yAxis(scale, unit: "/s")
        out += stepArea(result.series.map { ($0.second, Double($0.sent)) }, scale, fill: "#c6dbef", stroke: "#2b6cb0")
        return out
    }

    private func errorsLane(_ top: Double, _ bottom: Double) -> String {
        let most = result.series.map(\.errors).max() ?? 0
        let scale = ChartScale.linear(maximum: Double(most), top: top + 6, bottom: bottom)
        var out = yAxis(scale, unit: "/s")
        guard most > 0 else {
            return out + text(left + plotWidth / 2, (top + bottom) / 2 + 4, "no errors", size: 11, fill: "#2f7a3a", anchor: "middle")
        }
        out += stepArea(result.series.map { ($0.second, Double($0.errors)) }, scale, fill: "#f4b6b0", stroke: "#c0392b")
        // Name the worst second, so the spike is read without hovering.
        if let worst = result.series.max(by: { $0.errors < $1.errors }) {
            let px = x(Double(worst.second) + 0.5)
            let label = "peak \(worst.errors)/s at \(ReportFormat.tick(Double(worst.second)))"
            let anchorRight = px + textWidth(label, 10.5) + 8 > left + plotWidth
            out += text(anchorRight ? px - 6 : px + 6, scale.y(Double(worst.errors)) + 11, label, size: 10.5,
                        fill: "#8e1c12", anchor: anchorRight ? "end" : "start")
        }
        return out
    }

    private func latencyScale(top: Double, bottom: Double) -> ChartScale {
        let values = result.series.flatMap { [$0.p50, $0.p99] }.compactMap { $0.map { $0 * 1000 } }
        return ChartScale.latency(values: values, top: top, bottom: bottom)
    }

    private func latencyLane(_ top: Double, _ bottom: Double, _ scale: ChartScale) -> String {
        var out = yAxis(scale, unit: "ms")
        out += line(result.series.map { ($0.second, $0.p50.map { $0 * 1000 }) }, scale,
                    stroke: "#1b7f79", width: 1.5, dash: "5 3", label: "p50")
        out += line(result.series.map { ($0.second, $0.p99.map { $0 * 1000 }) }, scale,
                    stroke: "#b4521e", width: 2, dash: nil, label: "p99")
        return out
    }

    /// App versions, ordered by when each was first seen (then by name).
    private var versionOrder: [String] {
        var firstSeen: [String: Int] = [:]
        for second in result.series {
            for (version, count) in second.versions where count > 0 && firstSeen[version] == nil {
                firstSeen[version] = second.second
            }
        }
        return firstSeen.keys.sorted { (firstSeen[$0] ?? 0, $0) < (firstSeen[$1] ?? 0, $1) }
    }

    private static let palette = ["#4e79a7", "#f28e2b", "#59a14f", "#b07aa1", "#76b7b2", "#edc948", "#9c755f", "#e15759"]

    private func colour(_ index: Int) -> String { Self.palette[index % Self.palette.count] }

    private func versionsLane(_ top: Double, _ bottom: Double, _ versions: [String]) -> String {
        let laneTop = top + 4, laneBottom = bottom - 4
        let h = laneBottom - laneTop
        var out = text(left - 6, laneTop + 8, "100%", size: 10, fill: "#555", anchor: "end")
        out += text(left - 6, laneBottom, "0%", size: 10, fill: "#555", anchor: "end")
        // Per version: runs of seconds with the same band, merged into one rectangle.
        var best: [String: (share: Double, x: Double, y: Double, width: Double, height: Double)] = [:]
        for (index, version) in versions.enumerated() {
            var rects: [(start: Int, end: Int, lower: Double, upper: Double)] = []
            for second in result.series {
                let total = second.versions.values.reduce(0, +)
                guard total > 0, let count = second.versions[version], count > 0 else { continue }
                let below = versions[..<index].reduce(0) { $0 + (second.versions[$1] ?? 0) }
                let lower = Double(below) / Double(total)
                let upper = Double(below + count) / Double(total)
                if let last = rects.last, last.end == second.second, abs(last.lower - lower) < 1e-9,
                   abs(last.upper - upper) < 1e-9 {
                    rects[rects.count - 1].end = second.second + 1
                } else {
                    rects.append((second.second, second.second + 1, lower, upper))
                }
            }
            var group = "<g data-version=\"\(Markup.attribute(version))\" fill=\"\(colour(index))\" shape-rendering=\"crispEdges\">"
            group += "<title>\(Markup.text("version \(version)"))</title>"
            for rect in rects {
                let x0 = x(Double(rect.start)), x1 = x(Double(rect.end))
                let y0 = laneBottom - rect.upper * h, y1 = laneBottom - rect.lower * h
                // A hair wider than the run, so no seam shows where one run meets the next.
                group += "<rect x=\"\(f(x0))\" y=\"\(f(y0))\" width=\"\(f(x1 - x0 + 0.6))\" "
                    + "height=\"\(f(max(y1 - y0, 0.5)))\"/>"
                let area = (x1 - x0) * (y1 - y0)
                if area > (best[version].map { $0.width * $0.height } ?? 0) {
                    best[version] = (rect.upper - rect.lower, x0, y0, x1 - x0, y1 - y0)
                }
            }
            group += "</g>"
            out += group
        }
        // Name each version inside its largest block, when the block is big enough to hold the name.
        for version in versions {
            guard let block = best[version], block.height >= 13, block.width >= textWidth(version, 11) + 8 else { continue }
            out += text(block.x + block.width / 2, block.y + block.height / 2 + 4, version, size: 11,
                        weight: "600", fill: "#ffffff", anchor: "middle", halo: "#333333")
        }
        out += legend(versions, top: top + 43)
        return out
    }

    /// Swatch and name of each version, under the lane's title (wrapping within the title column).
    private func legend(_ versions: [String], top: Double) -> String {
        var out = ""
        var px = 8.0, py = top
        let shown = versions.prefix(6)
        for (index, version) in shown.enumerated() {
            let width = 13 + textWidth(version, 10.5)
            if px > 8, px + width > left - 10 {
                px = 8
                py += 14
            }
            out += "<rect x=\"\(f(px))\" y=\"\(f(py - 9))\" width=\"10\" height=\"10\" fill=\"\(colour(index))\" "
                + "stroke=\"#333\" stroke-width=\"0.5\"/>"
            out += text(px + 13, py, version, size: 10.5, fill: "#333")
            px += width + 10
        }
        if versions.count > shown.count {
            out += text(8, py + 14, "+\(versions.count - shown.count) more", size: 10.5, fill: "#555")
        }
        return out
    }

    /// Where a step's name goes: inside its bar when it fits, else after it, or before it near the right edge.
    private func stepPlacement(_ step: StepResult) -> (span: (Double, Double), x: Double, anchor: String?) {
        let x0 = x(step.start), x1 = max(x(step.end), x0 + 3)
        let w = textWidth(stepLabel(step), 11)
        if x1 - x0 >= w + 8 { return ((x0, x1 + 4), x0 + 4, nil) }
        if x1 + 8 + w <= width - 4 { return ((x0, x1 + 8 + w), x1 + 4, nil) }
        return ((x0 - 8 - w, x1 + 4), x0 - 4, "end")
    }

    /// Where an event's label goes: right of its marker, or left of it near the right edge.
    private func markerPlacement(_ event: TimelineEvent) -> (span: (Double, Double), x: Double, anchor: String?) {
        let px = x(event.at)
        let gap = event.kind == .pod ? 5.0 : 9.0
        let w = textWidth(eventLabel(event), 11)
        if px + gap + w <= width - 4 { return ((px - 6, px + gap + w + 4), px + gap, nil) }
        return ((px - gap - w - 4, px + 6), px - gap, "end")
    }

    private func stepLabel(_ step: StepResult) -> String {
        step.verdict == .passed ? step.name : "\(step.name) (\(ReportFormat.verdict(step.verdict)))"
    }

    private func stepsLane(_ top: Double, _ rows: [Int?]) -> String {
        var out = ""
        for (step, row) in zip(result.steps, rows) {
            let rowTop = top + 6 + Double(row ?? 0) * 22
            let x0 = x(step.start), x1 = max(x(step.end), x0 + 3)
            let (fill, stroke) = step.verdict == .passed ? ("#d5ecd4", "#2f7a3a")
                : step.verdict == .skipped ? ("#e5e5e5", "#777777") : ("#f6c7c1", "#b03a2e")
            let tip = "\(step.name): \(step.verdict.rawValue), \(ReportFormat.offset(step.start)) for "
                + ReportFormat.duration(step.end - step.start) + (step.message.map { " — " + $0 } ?? "")
            out += "<g class=\"step\"><title>\(Markup.text(tip))</title>"
            out += "<rect x=\"\(f(x0))\" y=\"\(f(rowTop))\" width=\"\(f(x1 - x0))\" height=\"16\" rx=\"2\" "
                + "fill=\"\(fill)\" stroke=\"\(stroke)\"/>"
            if row != nil {
                let place = stepPlacement(step)
                out += text(place.x, rowTop + 12, stepLabel(step), size: 11, fill: "#222", anchor: place.anchor)
            }
            out += "</g>"
        }
        return out
    }

    private func eventLabel(_ event: TimelineEvent) -> String {
        let prefix: String
        switch event.kind {
        case .faultLanded: prefix = "landed: "
        case .recovered: prefix = "recovered: "
        case .error: prefix = "error: "
        default: prefix = ""
        }
        var label = prefix + event.subject
        if event.kind == .pod, !event.detail.isEmpty { label += " " + event.detail }
        return label.count > 48 ? String(label.prefix(47)) + "…" : label
    }

    /// Markers with labels in rows; events whose label finds no room get a marker in one more row, unlabelled
    /// (their text is in the tooltip and in the event list under the chart).
    private func markersLane(_ top: Double, _ events: [TimelineEvent], _ rows: (assignment: [Int?], count: Int)) -> String {
        var out = ""
        let unlabelled = rows.assignment.filter { $0 == nil }.count
        if unlabelled > 0 {
            out += text(8, top + 14 + Double(rows.count) * 20 + 4, "+\(unlabelled) unlabelled (see list)", size: 10,
                        fill: "#555", style: "italic")
        }
        for (event, row) in zip(events, rows.assignment) {
            let px = x(event.at)
            let cy = top + 14 + Double(row ?? rows.count) * 20
            let full = "\(ReportFormat.offset(event.at)) \(event.kind.rawValue): \(event.subject)"
                + (event.detail.isEmpty ? "" : " — \(event.detail)")
            out += "<g class=\"event\" data-kind=\"\(event.kind.rawValue)\"><title>\(Markup.text(full))</title>"
            out += marker(event.kind, px, cy)
            if row != nil {
                let place = markerPlacement(event)
                out += text(place.x, cy + 4, eventLabel(event), size: 11, fill: "#222", anchor: place.anchor)
            }
            out += "</g>"
        }
        return out
    }

    private func marker(_ kind: TimelineEventKind, _ px: Double, _ cy: Double) -> String {
        switch kind {
        case .action:
            return "<path d=\"M\(f(px - 6)) \(f(cy - 5))L\(f(px + 6)) \(f(cy - 5))L\(f(px)) \(f(cy + 5))Z\" fill=\"#5b3f96\"/>"
        case .faultLanded:
            return "<path d=\"M\(f(px - 5)) \(f(cy - 5))L\(f(px + 5)) \(f(cy + 5))M\(f(px + 5)) \(f(cy - 5))"
                + "L\(f(px - 5)) \(f(cy + 5))\" stroke=\"#c0392b\" stroke-width=\"2.5\" fill=\"none\"/>"
        case .recovered:
            return "<circle cx=\"\(f(px))\" cy=\"\(f(cy))\" r=\"5\" fill=\"#2f7a3a\"/>"
        case .error:
            return "<rect x=\"\(f(px - 5))\" y=\"\(f(cy - 5))\" width=\"10\" height=\"10\" fill=\"#8e1c12\"/>"
        case .pod:
            return "<line x1=\"\(f(px))\" y1=\"\(f(cy - 7))\" x2=\"\(f(px))\" y2=\"\(f(cy + 7))\" stroke=\"#37474f\" "
                + "stroke-width=\"2\"/>"
        case .phase, .stepStarted, .stepFinished, .note:
            return "<circle cx=\"\(f(px))\" cy=\"\(f(cy))\" r=\"3\" fill=\"#777\"/>"
        }
    }

    private func empty(_ top: Double, _ bottom: Double, _ message: String) -> String {
        text(left + plotWidth / 2, (top + bottom) / 2 + 4, message, size: 11, fill: "#777", anchor: "middle",
             style: "italic")
    }

    // MARK: - Background

    private static let phaseFill: [Phase: String] = [.before: "#eef3f9", .during: "#fcebd9", .after: "#e7f3e6"]

    private func phaseBands(top: Double, bottom: Double) -> String {
        var out = "<g class=\"phases\">"
        var labelled: [(Double, Double)] = []
        for phase in result.phases.sorted(by: { $0.start < $1.start }) where phase.end > phase.start {
            let x0 = x(phase.start), x1 = x(phase.end)
            out += "<rect data-phase=\"\(phase.phase.rawValue)\" x=\"\(f(x0))\" y=\"\(f(top))\" width=\"\(f(x1 - x0))\" "
                + "height=\"\(f(bottom - top))\" fill=\"\(Self.phaseFill[phase.phase] ?? "#f0f0f0")\"/>"
            let label = phase.phase.rawValue
            // Named at its start, like a section heading, leaving room for other markers further along.
            if x1 - x0 >= textWidth(label, 11.5) + 8 {
                out += text(x0 + 4, top - 8, label, size: 11.5, weight: "600", fill: "#333")
                labelled.append((x0, x0 + 8 + textWidth(label, 11.5)))
            }
            out += "<line x1=\"\(f(x0))\" y1=\"\(f(top - 4))\" x2=\"\(f(x0))\" y2=\"\(f(bottom))\" stroke=\"#9aa5b1\" "
                + "stroke-width=\"1\" stroke-dasharray=\"2 3\"/>"
        }
        // Other phase markers from the timeline (setup, recovery, cleanup), where there is room to name them.
        let bandNames = Set(Phase.allCases.map(\.rawValue))
        for event in result.timeline where event.kind == .phase && !bandNames.contains(event.subject) {
            let px = x(event.at)
            out += "<line x1=\"\(f(px))\" y1=\"\(f(top - 4))\" x2=\"\(f(px))\" y2=\"\(f(bottom))\" stroke=\"#9aa5b1\" "
                + "stroke-width=\"1\" stroke-dasharray=\"1 4\"><title>"
                + Markup.text("phase \(event.subject) at " + ReportFormat.offset(event.at)) + "</title></line>"
            // Named to the right of its line, or to the left near the chart's right edge.
            let width = textWidth(event.subject, 10.5)
            let fitsRight = px + 6 + width < left + plotWidth
            let span = fitsRight ? (px + 2, px + 6 + width) : (px - 6 - width, px - 2)
            if !labelled.contains(where: { $0.0 < span.1 && span.0 < $0.1 }) {
                out += text(fitsRight ? px + 3 : px - 3, top - 8, event.subject, size: 10.5, fill: "#555",
                            anchor: fitsRight ? nil : "end", style: "italic")
                labelled.append(span)
            }
        }
        return out + "</g>"
    }

    private func timeGrid(top: Double, bottom: Double, axisY: Double) -> String {
        let (start, end) = domain
        let step = ChartScale.timeStep(span: end - start)
        var out = "<g class=\"axis\" data-axis=\"time\">"
        var t = (start / step).rounded(.up) * step
        while t <= end + 1e-9 {
            let px = x(t)
            out += "<line x1=\"\(f(px))\" y1=\"\(f(top))\" x2=\"\(f(px))\" y2=\"\(f(bottom))\" stroke=\"#000\" "
                + "stroke-opacity=\"0.08\"/>"
            out += "<line x1=\"\(f(px))\" y1=\"\(f(bottom))\" x2=\"\(f(px))\" y2=\"\(f(axisY))\" stroke=\"#555\"/>"
            out += text(px, axisY + 13, ReportFormat.tick(t), size: 11, fill: "#333", anchor: "middle")
            t += step
        }
        return out + "</g>"
    }

    /// A fault that lasts (a freeze, a network fault, a cluster stop: its action returns when it is
    /// undone) shaded from where it landed to where its action ended, through the data lanes; then
    /// vertical guides where a fault landed (red) or something recovered (green).
    private func guides(top: Double, bottom: Double) -> String {
        var out = "<g class=\"guides\">"
        for step in result.steps {
            for operation in step.operations {
                guard let landed = operation.faultLandedAt, operation.end - landed >= 1 else { continue }
                let (from, to) = (x(landed), x(operation.end))
                out += "<rect data-fault-window=\"\(Markup.attribute(step.name))\" x=\"\(f(from))\" y=\"\(f(top))\" "
                    + "width=\"\(f(max(1, to - from)))\" height=\"\(f(bottom - top))\" fill=\"#c0392b\" fill-opacity=\"0.07\">"
                    + "<title>\(Markup.text("\(step.name): \(operation.action), from \(ReportFormat.offset(landed)) to \(ReportFormat.offset(operation.end))"))</title></rect>"
            }
        }
        for event in result.timeline where event.kind == .faultLanded || event.kind == .recovered {
            let px = x(event.at)
            let colour = event.kind == .faultLanded ? "#c0392b" : "#2f7a3a"
            out += "<line x1=\"\(f(px))\" y1=\"\(f(top))\" x2=\"\(f(px))\" y2=\"\(f(bottom))\" stroke=\"\(colour)\" "
                + "stroke-opacity=\"0.55\" stroke-width=\"1\" stroke-dasharray=\"4 3\"/>"
        }
        return out + "</g>"
    }

    // MARK: - Primitives

    private func yAxis(_ scale: ChartScale, unit: String) -> String {
        var out = ""
        for tick in scale.ticks {
            let py = scale.y(tick)
            out += "<line x1=\"\(f(left - 4))\" y1=\"\(f(py))\" x2=\"\(f(left + plotWidth))\" y2=\"\(f(py))\" "
                + "stroke=\"#000\" stroke-opacity=\"\(tick == scale.low ? "0.25" : "0.07")\"/>"
            out += text(left - 7, py + 4, ChartScale.label(tick) + unit, size: 10.5, fill: "#444", anchor: "end")
        }
        return out
    }

    /// A filled step area: one flat top per one-second bucket.
    private func stepArea(_ points: [(Int, Double)], _ scale: ChartScale, fill: String, stroke: String) -> String {
        guard let first = points.first, let last = points.last else { return "" }
        let base = scale.y(scale.low)
        var d = "M\(f(x(Double(first.0)))) \(f(base))"
        for (second, value) in points {
            d += "L\(f(x(Double(second)))) \(f(scale.y(value)))L\(f(x(Double(second + 1)))) \(f(scale.y(value)))"
        }
        d += "L\(f(x(Double(last.0 + 1)))) \(f(base))Z"
        return "<path d=\"\(d)\" fill=\"\(fill)\" stroke=\"\(stroke)\" stroke-width=\"1.2\" stroke-linejoin=\"round\"/>"
    }

    /// A line through the middle of each bucket; gaps where there is no value. Named at its right end.
    private func line(_ points: [(Int, Double?)], _ scale: ChartScale, stroke: String, width: Double, dash: String?,
                      label: String) -> String {
        var d = ""
        var pen = false
        var lastPoint: (Double, Double)?
        for (second, value) in points {
            guard let value else { pen = false; continue }
            let px = x(Double(second) + 0.5), py = scale.y(value)
            d += (pen ? "L" : "M") + "\(f(px)) \(f(py))"
            pen = true
            lastPoint = (px, py)
        }
        guard !d.isEmpty else { return "" }
        var out = "<path data-series=\"\(label)\" d=\"\(d)\" fill=\"none\" stroke=\"\(stroke)\" stroke-width=\"\(f(width))\""
        if let dash { out += " stroke-dasharray=\"\(dash)\"" }
        out += " stroke-linejoin=\"round\"/>"
        if let (px, py) = lastPoint {
            out += text(min(px + 4, left + plotWidth + 2), py + 4, label, size: 10.5, weight: "600", fill: stroke)
        }
        return out
    }

    /// Assigns each span (pixel start, end) the first row where it does not overlap; nil when none of `max` rows has room.
    private func rows(for spans: [(Double, Double)], max maximum: Int) -> (assignment: [Int?], count: Int) {
        var ends: [Double] = []
        var assignment: [Int?] = []
        for (start, end) in spans {
            if let row = ends.firstIndex(where: { $0 <= start }) {
                ends[row] = end
                assignment.append(row)
            } else if ends.count < maximum {
                ends.append(end)
                assignment.append(ends.count - 1)
            } else {
                assignment.append(nil)
            }
        }
        return (assignment, ends.count)
    }

    private func text(_ x: Double, _ y: Double, _ content: String, size: Double, weight: String? = nil,
                      fill: String = "#222", anchor: String? = nil, style: String? = nil, halo: String? = nil) -> String {
        SVGMarkup.text(x, y, content, size: size, weight: weight, fill: fill, anchor: anchor, style: style, halo: halo)
    }

    /// An estimate of a label's width (average glyph width of a sans-serif face).
    private func textWidth(_ text: String, _ size: Double) -> Double {
        Double(text.count) * size * 0.56
    }

    private func f(_ value: Double) -> String { SVGMarkup.number(value) }
}
