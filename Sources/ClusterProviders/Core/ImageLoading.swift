/// A provider that can put images from the host's Docker engine into the cluster.
/// Providers whose nodes use the host's engine (bare) do not need it.
public protocol ImageLoading: ClusterProvider {
    /// Image references already present in the cluster's runtime, normalised (`labrun/todo-backend:abc`).
    func loadedImages() async throws -> Set<String>
    /// Copies the images from the host's Docker engine into the cluster.
    func loadImages(_ references: [String]) async throws
}
