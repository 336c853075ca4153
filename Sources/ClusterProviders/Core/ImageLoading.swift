/// A provider that can put images from the host's Docker engine into the cluster: minikube
/// (`minikube image load`), kind (`kind load docker-image`), bare (`cluster/bare/load-images`: node 1
/// is this host's engine already; the extra nodes get `docker save | docker load`). A provider
/// without it (existing) gets the deployer's image check or a registry.
public protocol ImageLoading: ClusterProvider {
    /// Copies the images from the host's Docker engine to every node that lacks them.
    func loadImages(_ references: [String]) async throws
}
