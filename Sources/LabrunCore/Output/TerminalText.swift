/// Untrusted text made safe for a terminal.
///
/// Scenario data, file names, pod logs and server messages can hold escape sequences that clear the
/// screen, move the cursor or rewrite a line ("all scenarios passed"). Every control character but
/// newline and tab — C0 (ESC, CR, BEL, NUL…), DEL, C1 (U+0080–U+009F, where U+009B is a CSI on some
/// terminals) — and the bidirectional overrides that reorder what is shown (U+202A–U+202E,
/// U+2066–U+2069) are written as visible text instead: `\u{1B}`. A backslash stays a backslash, so
/// escaping twice changes nothing.
public enum TerminalText {
    /// `text` with every character a terminal would act on shown as `\u{…}`.
    public static func sanitize(_ text: String) -> String {
        guard text.unicodeScalars.contains(where: needsEscape) else { return text }
        var out = String.UnicodeScalarView()
        for scalar in text.unicodeScalars {
            if needsEscape(scalar) {
                out.append(contentsOf: escaped(scalar).unicodeScalars)
            } else {
                out.append(scalar)
            }
        }
        return String(out)
    }

    /// `text` on one line, for a value quoted inside a message: newlines and tabs escaped as well.
    public static func quoted(_ text: String) -> String {
        sanitize(text).replacingOccurrences(of: "\n", with: "\\n").replacingOccurrences(of: "\t", with: "\\t")
    }

    /// Whether a terminal would act on `scalar` rather than show it.
    public static func needsEscape(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0x0A, 0x09: return false
        case 0x00...0x1F, 0x7F...0x9F: return true
        case 0x202A...0x202E, 0x2066...0x2069: return true
        default: return false
        }
    }

    static func escaped(_ scalar: Unicode.Scalar) -> String {
        let hex = String(scalar.value, radix: 16, uppercase: true)
        return "\\u{" + (hex.count < 2 ? "0" + hex : hex) + "}"
    }
}
