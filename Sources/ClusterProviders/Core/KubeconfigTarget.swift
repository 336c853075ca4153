/// Where a cluster's API is: a kubeconfig file and, optionally, a context in it.
public struct KubeconfigTarget: Sendable, Equatable, Codable, CustomStringConvertible {
    public var path: String
    /// nil means the file's current context.
    public var context: String?

    public init(path: String, context: String? = nil) {
        self.path = path
        self.context = context
    }

    public var description: String { context.map { "\(path) (context \($0))" } ?? path }

    /// `--kubeconfig … [--context …]` for kubectl.
    public var kubectlArguments: [String] {
        ["--kubeconfig", path] + (context.map { ["--context", $0] } ?? [])
    }
}
