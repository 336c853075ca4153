/// Escaping for XML and HTML text and attribute values.
///
/// Terminal colour sequences are dropped, and control characters that XML 1.0 forbids (everything
/// below U+0020 except tab, newline and carriage return, plus U+FFFE and U+FFFF) are shown as
/// visible `\u{1B}`-style text instead, so a pod log line with stray bytes never breaks a report.
enum Markup {
    /// Escapes text for an element's content.
    static func text(_ value: String) -> String {
        escape(value, attribute: false)
    }

    /// Escapes text for a double- or single-quoted attribute value; line breaks are kept as character references.
    static func attribute(_ value: String) -> String {
        escape(value, attribute: true)
    }

    /// Removes ANSI escape sequences (`ESC [ … letter`), as written by coloured tools and logs.
    static func stripANSI(_ value: String) -> String {
        guard value.unicodeScalars.contains("\u{1B}") else { return value }
        var out = String.UnicodeScalarView()
        var scalars = value.unicodeScalars.makeIterator()
        while let scalar = scalars.next() {
            guard scalar == "\u{1B}" else { out.append(scalar); continue }
            guard let next = scalars.next() else { break }
            if next == "[" {
                // Control Sequence: parameters and intermediates, then one final byte in @…~.
                while let c = scalars.next(), !(0x40...0x7E).contains(c.value) {}
            } else if next == "]" {
                // Operating System Command: up to BEL or ESC \.
                while let c = scalars.next(), c != "\u{07}", c != "\u{1B}" {}
            }
            // Any other escape is a two-character sequence: dropped.
        }
        return String(out)
    }

    private static func escape(_ value: String, attribute: Bool) -> String {
        var out = ""
        out.reserveCapacity(value.utf8.count)
        for scalar in stripANSI(value).unicodeScalars {
            switch scalar {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"" where attribute: out += "&quot;"
            case "'" where attribute: out += "&apos;"
            case "\n" where attribute: out += "&#10;"
            case "\r": out += "&#13;"
            case "\t" where attribute: out += "&#9;"
            case "\t", "\n": out.unicodeScalars.append(scalar)
            default:
                if scalar.value < 0x20 || (0x7F...0x9F).contains(scalar.value) || scalar.value == 0xFFFE || scalar.value == 0xFFFF {
                    out += "\\u{" + hex(scalar.value) + "}"
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        return out
    }

    private static func hex(_ value: UInt32) -> String {
        let digits = String(value, radix: 16, uppercase: true)
        return String(repeating: "0", count: max(0, 4 - digits.count)) + digits
    }
}
