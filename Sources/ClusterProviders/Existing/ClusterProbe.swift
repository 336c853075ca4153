/// Asks a cluster's API server who it is; how the `existing` provider checks its context.
public protocol ClusterProbe: Sendable {
    /// The server's version (e.g. `v1.20.2`), or an error saying why it could not be reached.
    func serverVersion(_ target: KubeconfigTarget) async throws -> String
}
