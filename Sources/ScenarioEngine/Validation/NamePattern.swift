/// A pattern names must follow, with the words used in its error.
struct NamePattern: Sendable {
    let noun: String
    let hint: String
    let matches: @Sendable (String) -> Bool

    /// Lower-case letters, digits and dashes, starting and ending with a letter or digit (a DNS label).
    static let dnsLabel = NamePattern(noun: "name", hint: "use lower-case letters, digits and dashes, e.g. chaos-pod-kill") { text in
        guard let first = text.first, let last = text.last, text.count <= 63 else { return false }
        let allowed = text.allSatisfy { ($0.isASCII && ($0.isLowercase || $0.isNumber)) || $0 == "-" }
        return allowed && first != "-" && last != "-"
    }

    /// A path for HTTP, starting with `/`.
    static let httpPath = NamePattern(noun: "path", hint: "it must start with /, e.g. /api/tasks") { $0.hasPrefix("/") }

    /// An image tag / `APP_VERSION`: letters, digits, `.`, `_`, `-`.
    static let version = NamePattern(noun: "version", hint: "use letters, digits, dots, dashes or underscores, e.g. v2") { text in
        text.count <= 128 && text.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || "._-".contains($0)) }
    }
}
