import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif

/// Parses XML with Foundation's own parser (libxml2 on Linux), failing on anything not well-formed.
func parseXML(_ text: String) throws -> XMLDocument {
    try XMLDocument(data: Data(text.utf8), options: [])
}

extension XMLNode {
    /// The elements an XPath selects.
    func elements(_ xpath: String) throws -> [XMLElement] {
        try nodes(forXPath: xpath).compactMap { $0 as? XMLElement }
    }
}

extension XMLElement {
    /// An attribute's value. (FoundationXML's `attribute(forName:)` misses un-prefixed attributes of
    /// elements in a default namespace, such as SVG's; XPath finds them.)
    func attr(_ name: String) -> String? {
        attribute(forName: name)?.stringValue ?? (try? nodes(forXPath: "@" + name))?.first?.stringValue
    }
}

/// The first inline `<svg>…</svg>` of an HTML page.
func firstSVG(in html: String) -> String? {
    guard let start = html.range(of: "<svg"), let end = html.range(of: "</svg>", range: start.upperBound..<html.endIndex) else {
        return nil
    }
    return String(html[start.lowerBound..<end.upperBound])
}
