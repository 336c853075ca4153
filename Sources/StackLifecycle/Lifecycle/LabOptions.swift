import StackModel

/// What the user chose for a lab command: the stack, provider, kubeconfig, context, namespace, access
/// and registry.
public struct LabOptions: Sendable, Equatable {
    /// The stack to deploy (from its stack file).
    public var stack: Stack
    public var provider: String?
    public var kubeconfig: String?
    public var kubeContext: String?
    /// The namespace `up` deploys to; nil is the stack's name.
    public var namespaceOverride: String?
    /// How the host reaches the stack (`--access`); nil lets labrun choose.
    public var access: AccessMethod?
    /// `--allow-insecure-credentials`: tokens may go over plain `http://` to another host (the API
    /// server of a kubeconfig, the stack's `traffic.auth`). Off: such a request is refused.
    public var allowInsecureCredentials: Bool
    /// Where the images are pushed for the cluster to pull (`--registry`); nil: none.
    public var registry: ImageRegistry?

    public init(stack: Stack, provider: String? = nil, kubeconfig: String? = nil, kubeContext: String? = nil,
                namespace: String? = nil, access: AccessMethod? = nil, allowInsecureCredentials: Bool = false,
                registry: ImageRegistry? = nil) {
        self.access = access
        self.allowInsecureCredentials = allowInsecureCredentials
        self.registry = registry
        self.stack = stack
        self.provider = provider
        self.kubeconfig = kubeconfig
        self.kubeContext = kubeContext
        self.namespaceOverride = namespace
    }

    /// The namespace `up`, `status` and `down` work in: `--namespace`, else the stack's name.
    public var namespace: String { namespaceOverride ?? stack.name }

    /// RFC 1123 label: lower-case letters, digits and `-`, 1 to 63, alphanumeric at both ends.
    public static func isValidNamespace(_ name: String) -> Bool {
        guard (1...63).contains(name.count), let first = name.first, let last = name.last else { return false }
        let allowed = name.allSatisfy { ($0.isASCII && $0.isLowercase) || $0.isNumber || $0 == "-" }
        return allowed && first != "-" && last != "-"
    }
}
