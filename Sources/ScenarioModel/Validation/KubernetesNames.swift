import StackModel

/// Kubernetes' own rules for the names labrun passes to the API server: namespaces, label keys and
/// label values (as `k8s.io/apimachinery/pkg/util/validation` checks them), and which namespaces a
/// run may reuse. One place, used by the scenario parser and by the CLI's `--reuse-namespace`.
///
/// Checked before anything is sent: an unchecked label key such as `tier!` once became the
/// selector `tier!=x`, which means something else entirely.
public enum KubernetesNames {
    /// The namespaces Kubernetes itself uses (never reused by a run).
    public static var systemNamespaces: Set<String> { SystemNamespaces.names }

    /// Why `name` cannot be the namespace a run reuses (`setup.reuseNamespace`, `--reuse-namespace`),
    /// or nil when it can: a DNS label of at most 63 characters, and not a system namespace.
    public static func reusableNamespaceProblem(_ name: String) -> String? {
        if let problem = namespaceProblem(name) { return problem }
        if systemNamespaces.contains(name) {
            return "\(name) is a system namespace; a scenario kills and cuts off what runs beside it, so it may not reuse "
                + "\(systemNamespaces.sorted().joined(separator: ", ")) (create a namespace for it, or leave the option out for a fresh one)"
        }
        return nil
    }

    /// Why `name` is not a namespace name (an RFC 1123 DNS label), or nil when it is one.
    public static func namespaceProblem(_ name: String) -> String? {
        isDNSLabel(name) ? nil
            : "\(ScenarioError.quote(name)) is not a namespace name (lower-case letters, digits and '-', at most 63 characters, "
                + "starting and ending with a letter or digit)"
    }

    /// Why `key` is not a label key, or nil when it is one: an optional DNS-subdomain prefix and `/`,
    /// then a name of at most 63 letters, digits, `-`, `_` and `.` that starts and ends with a letter or digit.
    public static func labelKeyProblem(_ key: String) -> String? {
        let parts = key.split(separator: "/", maxSplits: 1, omittingEmptySubsequences: false).map(String.init)
        let name = parts.count == 2 ? parts[1] : key
        if parts.count == 2 && !isDNSSubdomain(parts[0]) {
            return "invalid label key \(ScenarioError.quote(key)): the prefix before / must be a DNS subdomain such as example.com"
        }
        guard isLabelName(name) else {
            return "invalid label key \(ScenarioError.quote(key)) (letters, digits, '-', '_' and '.', at most 63 characters, "
                + "starting and ending with a letter or digit, after an optional prefix such as example.com/)"
        }
        return nil
    }

    /// Why `value` is not a label value, or nil when it is one: empty, or at most 63 letters, digits,
    /// `-`, `_` and `.` that start and end with a letter or digit.
    public static func labelValueProblem(_ value: String) -> String? {
        value.isEmpty || isLabelName(value) ? nil
            : "invalid label value \(ScenarioError.quote(value)) (letters, digits, '-', '_' and '.', at most 63 characters, "
                + "starting and ending with a letter or digit)"
    }

    /// An RFC 1123 label: lower-case letters, digits and `-`, at most 63, starting and ending with a letter or digit.
    public static func isDNSLabel(_ text: String) -> Bool {
        let bytes = Array(text.utf8)
        guard let first = bytes.first, let last = bytes.last, bytes.count <= 63 else { return false }
        return bytes.allSatisfy { isLowerAlphanumeric($0) || $0 == UInt8(ascii: "-") }
            && isLowerAlphanumeric(first) && isLowerAlphanumeric(last)
    }

    /// An RFC 1123 subdomain: DNS labels joined by dots, at most 253 characters.
    public static func isDNSSubdomain(_ text: String) -> Bool {
        text.utf8.count <= 253 && text.split(separator: ".", omittingEmptySubsequences: false).allSatisfy { isDNSLabel(String($0)) }
    }

    /// A label name or value: at most 63 of `[A-Za-z0-9._-]`, starting and ending with a letter or digit.
    private static func isLabelName(_ text: String) -> Bool {
        let bytes = Array(text.utf8)
        guard let first = bytes.first, let last = bytes.last, bytes.count <= 63 else { return false }
        let punctuation: Set<UInt8> = [UInt8(ascii: "-"), UInt8(ascii: "_"), UInt8(ascii: ".")]
        return bytes.allSatisfy { isAlphanumeric($0) || punctuation.contains($0) } && isAlphanumeric(first) && isAlphanumeric(last)
    }

    private static func isLowerAlphanumeric(_ byte: UInt8) -> Bool {
        (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte) || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte)
    }

    private static func isAlphanumeric(_ byte: UInt8) -> Bool {
        isLowerAlphanumeric(byte) || (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(byte)
    }
}
