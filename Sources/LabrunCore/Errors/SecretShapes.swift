import Foundation

/// Masks the well-known shapes of secrets in one left-to-right pass over the bytes of a text, in
/// time linear in its length whatever it holds.
///
/// A hand-written scanner rather than regular expressions: the backtracking engine behind
/// `NSRegularExpression` took quadratic time on the URL pattern (a 64 KB alphanumeric run took 25 s),
/// and every console line, error, report and collected pod log goes through here. Each rule below
/// either consumes what it looked at or looks at a run no other position looks at again; the
/// `steps` counter lets the unit tests check that.
///
/// The shapes:
/// - `scheme://user:PASSWORD@` → `scheme://user:••••••@`;
/// - a keyword, a separator and a value: `password=…`, `PGPASSWORD=…`, `"token": "…"`, `secret: …`,
///   `api-key: …`, and every kubeconfig `*-data` field (`client-key-data: …`);
/// - `Authorization: Bearer …` (any scheme word: the value after it is masked, the word kept);
/// - PEM private keys, `-----BEGIN … PRIVATE KEY-----` to its END line (to the end of the text when
///   the END line is missing, as in a cut log), and the same block in base64 (`LS0tLS1CRUdJTi…`).
struct SecretShapes {
    /// What a private key is replaced by.
    static let keyMask = Array("[private key \(Redactor.mask)]".utf8)

    private let text: [UInt8]
    private let mask: [UInt8]
    private var out: [UInt8] = []
    /// Bytes looked at, for the linearity tests.
    private(set) var steps = 0
    // The last answers of the two "next stop" searches of the URL rule (see `nextStop`).
    private var userStop = (from: -1, at: -1)
    private var passwordStop = (from: -1, at: -1)

    init(_ text: [UInt8], mask: [UInt8]) {
        self.text = text
        self.mask = mask
    }

    /// The text with every shape masked.
    mutating func run() -> [UInt8] {
        let n = text.count
        out.reserveCapacity(n)
        var i = 0
        // Whether the run of scheme characters just before `i` holds a letter (`[a-zA-Z][a-zA-Z0-9+.-]*` ends here).
        var schemeBefore = false
        while i < n {
            steps &+= 1
            let byte = text[i]
            if byte == UInt8(ascii: "-"), let end = privateKey(at: i) {
                out += Self.keyMask
                i = end
                schemeBefore = false
                continue
            }
            if byte == UInt8(ascii: "L"), i == 0 || !Self.isBase64(text[i - 1]), let end = encodedPrivateKey(at: i) {
                out += Self.keyMask
                i = end
                schemeBefore = false
                continue
            }
            if byte == UInt8(ascii: ":"), schemeBefore, let (userEnd, at) = urlCredentials(at: i) {
                out += text[i...userEnd]
                out += mask
                out.append(UInt8(ascii: "@"))
                i = at + 1
                schemeBefore = false
                continue
            }
            if let (valueStart, valueEnd) = keywordValue(at: i) {
                out += text[i..<valueStart]
                out += mask
                i = valueEnd
                schemeBefore = false
                continue
            }
            out.append(byte)
            if Self.isSchemeCharacter(byte) {
                schemeBefore = schemeBefore || Self.isLetter(byte)
            } else {
                schemeBefore = false
            }
            i += 1
        }
        return out
    }

    // MARK: Rules

    /// `-----BEGIN [A-Z ]*PRIVATE KEY-----` at `start`: the index after its END line, or the text's end.
    private mutating func privateKey(at start: Int) -> Int? {
        guard let labelEnd = pemLabel(at: start, marker: Self.begin) else { return nil }
        var i = labelEnd
        while i < text.count {
            steps &+= 1
            if text[i] == UInt8(ascii: "-"), let end = pemLabel(at: i, marker: Self.end) { return end }
            i += 1
        }
        return text.count
    }

    /// `marker` (`-----BEGIN ` or `-----END `), letters and spaces ending in `PRIVATE KEY`, then `-----`:
    /// the index after the closing dashes.
    private mutating func pemLabel(at start: Int, marker: [UInt8]) -> Int? {
        guard hasPrefix(marker, at: start, caseInsensitive: false) else { return nil }
        var i = start + marker.count
        while i < text.count, text[i] == UInt8(ascii: " ") || (text[i] >= 0x41 && text[i] <= 0x5A) {
            steps &+= 1
            i += 1
        }
        guard i - (start + marker.count) >= Self.privateKeyLabel.count,
              hasPrefix(Self.privateKeyLabel, at: i - Self.privateKeyLabel.count, caseInsensitive: false),
              hasPrefix(Self.dashes, at: i, caseInsensitive: false) else { return nil }
        return i + Self.dashes.count
    }

    /// A base64 run starting with the encoding of `-----BEGIN` whose first line decodes to a private
    /// key's header: the index after the run.
    private mutating func encodedPrivateKey(at start: Int) -> Int? {
        guard hasPrefix(Self.encodedBegin, at: start, caseInsensitive: false) else { return nil }
        var end = start
        while end < text.count, Self.isBase64(text[end]) {
            steps &+= 1
            end += 1
        }
        let head = text[start..<min(end, start + 96)]
        let usable = head.prefix(head.count / 4 * 4)
        guard let decoded = Data(base64Encoded: Data(usable)),
              decoded.range(of: Data(Self.privateKeyLabel)) != nil else { return nil }
        return end
    }

    /// `://user:password@` at `colon` (the scheme was seen before it): the index of the `:` ending the
    /// user and of the `@`.
    private mutating func urlCredentials(at colon: Int) -> (userEnd: Int, at: Int)? {
        guard colon + 2 < text.count, text[colon + 1] == UInt8(ascii: "/"), text[colon + 2] == UInt8(ascii: "/") else { return nil }
        let userStart = colon + 3
        var cache = userStop
        let userEnd = nextStop(from: userStart, cache: &cache) { byte in
            byte == UInt8(ascii: ":") || byte == UInt8(ascii: "/") || byte == UInt8(ascii: "@") || Self.isSpace(byte)
        }
        userStop = cache
        guard userEnd > userStart, userEnd < text.count, text[userEnd] == UInt8(ascii: ":") else { return nil }
        let passwordStart = userEnd + 1
        cache = passwordStop
        let at = nextStop(from: passwordStart, cache: &cache) { $0 == UInt8(ascii: "@") || Self.isSpace($0) }
        passwordStop = cache
        guard at > passwordStart, at < text.count, text[at] == UInt8(ascii: "@") else { return nil }
        return (userEnd, at)
    }

    /// The first index at or after `from` whose byte is a stop (or the text's end). Callers ask with
    /// `from` never decreasing, so an answer stays good for every later `from` up to it: the text is
    /// searched once overall, not once per question.
    private mutating func nextStop(from: Int, cache: inout (from: Int, at: Int), isStop: (UInt8) -> Bool) -> Int {
        if cache.from >= 0, from >= cache.from, from <= cache.at { return cache.at }
        var i = from
        while i < text.count, !isStop(text[i]) {
            steps &+= 1
            i += 1
        }
        cache = (from, i)
        return i
    }

    /// A keyword at `start`, then `"?\s*[=:]\s*"?`, then a value: where the value starts and ends.
    private mutating func keywordValue(at start: Int) -> (Int, Int)? {
        guard let keyword = keyword(at: start) else { return nil }
        var i = start + keyword.text.count
        if i < text.count, Self.isQuote(text[i]) { i += 1 }
        i = skipSpaces(from: i)
        guard i < text.count, text[i] == UInt8(ascii: "=") || text[i] == UInt8(ascii: ":") else { return nil }
        i = skipSpaces(from: i + 1)
        var quote: UInt8?
        if i < text.count, Self.isQuote(text[i]) {
            quote = text[i]
            i += 1
        }
        if keyword.isAuthorization {
            // `Bearer abc`: keep the scheme word, mask what follows it.
            var word = i
            while word < text.count, Self.isLetter(text[word]) {
                steps &+= 1
                word += 1
            }
            if word > i, word < text.count, Self.isSpace(text[word]) { i = skipSpaces(from: word) }
        }
        var end = i
        while end < text.count, !Self.endsValue(text[end]), text[end] != quote {
            steps &+= 1
            end += 1
        }
        return end > i ? (i, end) : nil
    }

    private struct Keyword {
        let text: [UInt8]
        var isAuthorization = false
        /// Only after a letter (`client-key-data`, not `--data`).
        var afterLetter = false
    }

    private static let keywords: [Keyword] = [
        Keyword(text: Array("password".utf8)), Keyword(text: Array("passwd".utf8)), Keyword(text: Array("secret".utf8)),
        Keyword(text: Array("token".utf8)), Keyword(text: Array("apikey".utf8)), Keyword(text: Array("api_key".utf8)),
        Keyword(text: Array("api-key".utf8)), Keyword(text: Array("authorization".utf8), isAuthorization: true),
        Keyword(text: Array("-data".utf8), afterLetter: true),
    ]

    private mutating func keyword(at start: Int) -> Keyword? {
        let first = text[start] | 0x20
        // Every keyword starts with one of these: most bytes are turned away by this one test.
        guard first == UInt8(ascii: "p") || first == UInt8(ascii: "s") || first == UInt8(ascii: "t")
            || first == UInt8(ascii: "a") || text[start] == UInt8(ascii: "-") else { return nil }
        for keyword in Self.keywords where hasPrefix(keyword.text, at: start, caseInsensitive: true) {
            if keyword.afterLetter, start == 0 || !Self.isLetter(text[start - 1]) { continue }
            return keyword
        }
        return nil
    }

    // MARK: Bytes

    private mutating func hasPrefix(_ prefix: [UInt8], at start: Int, caseInsensitive: Bool) -> Bool {
        guard start >= 0, start + prefix.count <= text.count else { return false }
        for (offset, expected) in prefix.enumerated() {
            steps &+= 1
            let byte = text[start + offset]
            if byte == expected { continue }
            if caseInsensitive, Self.isLetter(byte), byte | 0x20 == expected { continue }
            return false
        }
        return true
    }

    private mutating func skipSpaces(from start: Int) -> Int {
        var i = start
        while i < text.count, Self.isSpace(text[i]) {
            steps &+= 1
            i += 1
        }
        return i
    }

    private static let begin = Array("-----BEGIN ".utf8)
    private static let end = Array("-----END ".utf8)
    private static let dashes = Array("-----".utf8)
    private static let privateKeyLabel = Array("PRIVATE KEY".utf8)
    /// `-----BEGIN` in base64, as a base64-encoded PEM block starts.
    private static let encodedBegin = Array("LS0tLS1CRUdJTi".utf8)

    static func isSpace(_ byte: UInt8) -> Bool { byte == 0x20 || (byte >= 0x09 && byte <= 0x0D) }
    static func isLetter(_ byte: UInt8) -> Bool { (byte | 0x20) >= 0x61 && (byte | 0x20) <= 0x7A }
    static func isDigit(_ byte: UInt8) -> Bool { byte >= 0x30 && byte <= 0x39 }
    static func isQuote(_ byte: UInt8) -> Bool { byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "'") }
    static func isSchemeCharacter(_ byte: UInt8) -> Bool {
        isLetter(byte) || isDigit(byte) || byte == UInt8(ascii: "+") || byte == UInt8(ascii: ".") || byte == UInt8(ascii: "-")
    }
    static func isBase64(_ byte: UInt8) -> Bool {
        isLetter(byte) || isDigit(byte) || byte == UInt8(ascii: "+") || byte == UInt8(ascii: "/") || byte == UInt8(ascii: "=")
    }
    /// A value runs to whitespace, a quote or a list separator (`[^\s"&,;]`).
    static func endsValue(_ byte: UInt8) -> Bool {
        isSpace(byte) || byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "&") || byte == UInt8(ascii: ",") || byte == UInt8(ascii: ";")
    }
}
