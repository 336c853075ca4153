/// A provider whose cluster can be stopped and started again without losing it (chaos: stop/start the cluster).
public protocol ClusterStopStart: ClusterProvider {
    func stopCluster() async throws
    func startCluster() async throws
}
