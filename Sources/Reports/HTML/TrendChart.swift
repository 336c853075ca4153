import Foundation
import ScenarioModel

/// A small inline SVG of one key figure's median across the runs in the history, oldest on the left:
/// a line through the medians, a band from min to max when a run was repeated, a red point for a run
/// that did not pass, and the axis's top value and the figure's unit.
struct TrendChart {
    let name: String
    let unit: KeyFigure.Unit
    let records: [HistoryRecord]

    static let width = 260.0
    static let height = 96.0
    static let left = 44.0
    static let right = 8.0
    static let top = 20.0
    static let bottom = 82.0

    /// Values in the chart's unit: percent for ratios, ms when every time is under a second, else seconds.
    private var scaleFactor: (factor: Double, suffix: String) {
        switch unit {
        case .ratio: return (100, "%")
        case .seconds:
            let largest = records.compactMap { $0.figure(name)?.distribution.max }.max() ?? 0
            return largest < 1 ? (1000, "ms") : (1, "s")
        }
    }

    func svg() -> String {
        let (factor, suffix) = scaleFactor
        let points = records.enumerated().compactMap { index, record -> (x: Double, d: Distribution, passed: Bool, run: String)? in
            guard let d = record.figure(name)?.distribution else { return nil }
            return (x(index), d, record.verdict == .passed, record.run)
        }
        let scale = ChartScale.linear(maximum: (points.map(\.d.max).max() ?? 0) * factor, top: Self.top, bottom: Self.bottom)
        func y(_ value: Double) -> String { String(format: "%.1f", scale.y(value * factor)) }
        var out = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(Int(Self.width))\" height=\"\(Int(Self.height))\" "
            + "viewBox=\"0 0 \(Int(Self.width)) \(Int(Self.height))\" role=\"img\" aria-label=\"\(Markup.attribute("trend of " + name))\">"
        out += "<title>\(Markup.text(name))</title>"
        out += "<text x=\"4\" y=\"12\" font-size=\"10.5\" fill=\"#1d2329\">\(Markup.text(Self.cut(name, 46)))</text>"
        for tick in [scale.low, scale.high] {
            let ty = String(format: "%.1f", scale.y(tick))
            out += "<line x1=\"\(Int(Self.left))\" x2=\"\(Int(Self.width - Self.right))\" y1=\"\(ty)\" y2=\"\(ty)\" stroke=\"#e1e4e8\"/>"
            out += "<text x=\"\(Int(Self.left - 4))\" y=\"\(ty)\" dy=\"3\" font-size=\"9.5\" text-anchor=\"end\" fill=\"#5a6570\">"
                + "\(ChartScale.label(tick))\(suffix)</text>"
        }
        for point in points where point.d.count > 1 && point.d.max > point.d.min {
            out += "<line x1=\"\(f(point.x))\" x2=\"\(f(point.x))\" y1=\"\(y(point.d.min))\" y2=\"\(y(point.d.max))\" "
                + "stroke=\"#9ab8d8\" stroke-width=\"4\" stroke-linecap=\"round\"/>"
        }
        if points.count > 1 {
            out += "<polyline fill=\"none\" stroke=\"#1f5f99\" stroke-width=\"1.5\" points=\""
                + points.map { "\(f($0.x)),\(y($0.d.median))" }.joined(separator: " ") + "\"/>"
        }
        for point in points {
            let label = "\(point.run): median \(HistoryComparison.figure(point.d.median, unit))"
            out += "<circle cx=\"\(f(point.x))\" cy=\"\(y(point.d.median))\" r=\"2.8\" fill=\"\(point.passed ? "#1f5f99" : "#b3261e")\">"
                + "<title>\(Markup.text(label))</title></circle>"
        }
        return out + "</svg>"
    }

    private func x(_ index: Int) -> Double {
        let span = Self.width - Self.left - Self.right
        return records.count > 1 ? Self.left + span * Double(index) / Double(records.count - 1) : Self.left + span / 2
    }

    private func f(_ value: Double) -> String { String(format: "%.1f", value) }

    private static func cut(_ text: String, _ length: Int) -> String {
        text.count > length ? String(text.prefix(length - 1)) + "…" : text
    }
}
