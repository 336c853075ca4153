import Foundation

/// The pieces of SVG the report's charts share: numbers written short, and text elements.
enum SVGMarkup {
    /// A coordinate or size with at most one decimal: `12`, `12.5`.
    static func number(_ value: Double) -> String {
        let rounded = (value * 10).rounded() / 10
        return rounded == rounded.rounded() ? String(Int(rounded)) : String(format: "%.1f", rounded)
    }

    /// A `<text>` element with `content` escaped; `halo` draws a light outline behind it (readable over marks).
    static func text(_ x: Double, _ y: Double, _ content: String, size: Double, weight: String? = nil,
                     fill: String = "#222", anchor: String? = nil, style: String? = nil, halo: String? = nil) -> String {
        var out = "<text x=\"\(number(x))\" y=\"\(number(y))\" font-size=\"\(number(size))\" fill=\"\(fill)\""
        if let weight { out += " font-weight=\"\(weight)\"" }
        if let anchor { out += " text-anchor=\"\(anchor)\"" }
        if let style { out += " font-style=\"\(style)\"" }
        if let halo { out += " stroke=\"\(halo)\" stroke-width=\"2.5\" paint-order=\"stroke\" stroke-linejoin=\"round\"" }
        return out + ">\(Markup.text(content))</text>"
    }
}
