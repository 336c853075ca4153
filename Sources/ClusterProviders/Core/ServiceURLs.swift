import LabrunCore

/// A provider with its own way to reach a NodePort Service from the host (Minikube's
/// `minikube service --url`, which opens a tunnel where the node's address is not routable).
public protocol ServiceURLs: ClusterProvider {
    /// The command that prints the Service's URLs, one a line, and may keep running to hold a tunnel open.
    func serviceURLCommand(service: String, namespace: String) -> Command
}
