/// What the user chose for a lab command: provider, kubeconfig, context and namespace.
public struct LabOptions: Sendable, Equatable {
    public var provider: String?
    public var kubeconfig: String?
    public var kubeContext: String?
    public var namespace: String

    public init(provider: String? = nil, kubeconfig: String? = nil, kubeContext: String? = nil, namespace: String = "todo") {
        self.provider = provider
        self.kubeconfig = kubeconfig
        self.kubeContext = kubeContext
        self.namespace = namespace
    }

    /// RFC 1123 label: lower-case letters, digits and `-`, 1 to 63, alphanumeric at both ends.
    public static func isValidNamespace(_ name: String) -> Bool {
        guard (1...63).contains(name.count), let first = name.first, let last = name.last else { return false }
        let allowed = name.allSatisfy { ($0.isASCII && $0.isLowercase) || $0.isNumber || $0 == "-" }
        return allowed && first != "-" && last != "-"
    }
}
