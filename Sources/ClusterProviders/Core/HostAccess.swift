/// A provider whose node the host can reach directly (NodePort access, network fault injection).
public protocol HostAccess: ClusterProvider {
    /// The node's address as seen from the host, e.g. `10.250.0.1` or `192.168.49.2`.
    func nodeAddress() async throws -> String
}
