import LabrunCore

/// A provider that can run a command as root on one of its nodes: how chaos reaches the node's
/// container runtime (`killContainer`). Bare runs it on this host (the host is the node), Minikube
/// through `minikube ssh -- sudo …`, kind through `docker exec <node container> …`.
public protocol NodeAccess: ClusterProvider {
    /// The command that runs `arguments` as root on `node` (a Kubernetes node name; nil for the
    /// only or first node).
    func nodeCommand(_ arguments: [String], node: String?, timeout: Double) -> Command
}
