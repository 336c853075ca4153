import KubernetesClient
import LabrunCore

/// The real `ClusterProbe`: reads `/version` with labrun's Kubernetes client.
public struct KubernetesProbe: ClusterProbe {
    public init() {}

    public func serverVersion(_ target: KubeconfigTarget) async throws -> String {
        let client = try KubernetesClient.fromKubeconfig(path: target.path, context: target.context)
        return try await client.serverVersion().gitVersion
    }
}
