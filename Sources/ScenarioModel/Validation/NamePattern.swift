/// A pattern names must follow, with the words used in its error.
struct NamePattern: Sendable {
    let noun: String
    let hint: String
    let matches: @Sendable (String) -> Bool

    /// Lower-case letters, digits and dashes, starting and ending with a letter or digit (a DNS label).
    static let dnsLabel = dnsLabel(example: "chaos-pod-kill")

    /// A DNS label, with an example that fits where it is used.
    static func dnsLabel(example: String, maxLength: Int = 63) -> NamePattern {
        let limit = maxLength == 63 ? "" : ", at most \(maxLength) characters"
        return NamePattern(noun: "name", hint: "use lower-case letters, digits and dashes\(limit), e.g. \(example)") { text in
            text.count <= maxLength && isDNSLabel(text)
        }
    }

    /// The name of a Kubernetes object, as every kind allows it (a path segment of the API's URLs):
    /// not `.` or `..`, no `/` or `%` (a name such as `../../secrets/x` would read another object).
    static let objectName = NamePattern(noun: "object name", hint: "a Kubernetes object's name, without / or %, e.g. backend-0") { text in
        text.utf8.count <= 253 && text != "." && text != ".." && !text.contains("/") && !text.contains("%")
    }

    /// A path for HTTP, starting with `/`.
    static let httpPath = NamePattern(noun: "path", hint: "it must start with /, e.g. /v1/items") { $0.hasPrefix("/") }

    /// An image tag / `APP_VERSION`: letters, digits, `.`, `_`, `-`.
    static let version = NamePattern(noun: "version", hint: "use letters, digits, dots, dashes or underscores, e.g. v2") { text in
        text.count <= 128 && text.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || "._-".contains($0)) }
    }

    // MARK: Stack files

    /// An operation of the stack's traffic: a letter, then letters, digits, `_` and `-`.
    static let operationName = identifier(noun: "operation name", example: "create")

    /// A variable captured from a response and used as `${name}`.
    static let variableName = identifier(noun: "variable name", example: "id")

    /// A DNS subdomain (Kubernetes object names such as Secrets): DNS labels joined by dots, at most 253 characters.
    static let dnsSubdomain = NamePattern(noun: "name", hint: "use lower-case letters, digits, dashes and dots, e.g. shop-db") {
        KubernetesNames.isDNSSubdomain($0)
    }

    /// A key of a Secret's data.
    static let secretKey = NamePattern(noun: "Secret key", hint: "use letters, digits, dashes, dots and underscores, e.g. POSTGRES_USER") { text in
        text.count <= 253 && text.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || "-._".contains($0)) }
    }

    /// An environment variable (or build argument) name.
    static let environmentName = NamePattern(noun: "variable name",
                                             hint: "use letters, digits and underscores, not starting with a digit, e.g. APP_VERSION") { text in
        guard let first = text.first, first.isASCII, first.isLetter || first == "_" else { return false }
        return text.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_") }
    }

    /// An HTTP header name (an RFC 9110 token).
    /// A user name the stack's API takes in paths and tokens: letters, digits, `.`, `_`, `@` and `-`.
    static let userPrefix = NamePattern(noun: "user prefix", hint: "use letters, digits, dots, dashes, underscores or @, e.g. labrun-user-") { text in
        !text.isEmpty && text.count <= 48 && text.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || ".-_@".contains($0)) }
    }

    static let headerName = NamePattern(noun: "header name", hint: "use letters, digits and !#$%&'*+-.^_`|~, e.g. X-App-Version") { text in
        text.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || "!#$%&'*+-.^_`|~".contains($0)) }
    }

    /// A Kubernetes kind, in PascalCase.
    static let kindName = NamePattern(noun: "kind", hint: "a Kubernetes kind in PascalCase, e.g. HorizontalPodAutoscaler") { text in
        guard let first = text.first, first.isASCII, first.isUppercase else { return false }
        return text.count <= 63 && text.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber) }
    }

    /// A Docker repository without a tag: `[host[:port]/]path`, the path lower-case components separated by `/`.
    static let imageRepository = NamePattern(
        noun: "repository",
        hint: "use lower-case letters, digits, \".\", \"_\", \"-\" and \"/\", optionally after host:port/, and no tag "
            + "(labrun tags each build), e.g. acme/api"
    ) { text in
        var components = text.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
        if components.count > 1, let host = components.first, host.contains(".") || host.contains(":") || host == "localhost" {
            guard isRegistryHost(host) else { return false }
            components.removeFirst()
        }
        return text.count <= 255 && components.allSatisfy(isRepositoryComponent)
    }

    // MARK: Helpers

    private static func identifier(noun: String, example: String) -> NamePattern {
        NamePattern(noun: noun, hint: "use a letter, then letters, digits, \"_\" or \"-\", at most 63 characters, e.g. \(example)") { text in
            guard let first = text.first, first.isASCII, first.isLetter else { return false }
            return text.count <= 63 && text.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_" || $0 == "-") }
        }
    }

    private static func isDNSLabel(_ text: String) -> Bool { KubernetesNames.isDNSLabel(text) }

    /// `registry.example.com`, `localhost:5000`: host labels (any case) and an optional numeric port.
    private static func isRegistryHost(_ text: String) -> Bool {
        let parts = text.split(separator: ":", maxSplits: 1, omittingEmptySubsequences: false)
        if parts.count == 2 && (parts[1].isEmpty || !parts[1].allSatisfy { $0.isASCII && $0.isNumber }) { return false }
        return parts[0].split(separator: ".", omittingEmptySubsequences: false).allSatisfy { isDNSLabel($0.lowercased()) }
    }

    /// A path component: runs of lower-case letters and digits joined by `.`, `_`, `__` or dashes.
    private static func isRepositoryComponent(_ text: String) -> Bool {
        var separator = ""
        var sawAlphanumeric = false
        for character in text {
            if character.isASCII && (character.isLowercase || character.isNumber) {
                let joins = separator.isEmpty || [".", "_", "__"].contains(separator) || separator.allSatisfy { $0 == "-" }
                guard joins else { return false }
                separator = ""
                sawAlphanumeric = true
            } else if "._-".contains(character) && sawAlphanumeric {
                separator.append(character)
            } else {
                return false
            }
        }
        return sawAlphanumeric && separator.isEmpty
    }
}
