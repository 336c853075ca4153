import KubernetesClient
import LabrunCore

/// The real `ClusterProbe`: reads `/version` with labrun's Kubernetes client.
public struct KubernetesProbe: ClusterProbe {
    /// `--allow-insecure-credentials`: a token may go to an `http://` API server on another host.
    public var allowInsecureCredentials: Bool

    public init(allowInsecureCredentials: Bool = false) { self.allowInsecureCredentials = allowInsecureCredentials }

    public func serverVersion(_ target: KubeconfigTarget) async throws -> String {
        let client = try KubernetesClient.fromKubeconfig(path: target.path, context: target.context,
                                                         allowInsecureCredentials: allowInsecureCredentials)
        return try await client.serverVersion().gitVersion
    }
}
