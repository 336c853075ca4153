import LabrunCore

/// What can happen to one node, the way machines fail: a power cut and power back, a network
/// partition and its end.
public enum NodeFault: String, Sendable, CaseIterable {
    case stop, start, cut, heal

    /// The fault that undoes this one (`stop` ↔ `start`, `cut` ↔ `heal`).
    public var undo: NodeFault {
        switch self {
        case .stop: .start
        case .start: .stop
        case .cut: .heal
        case .heal: .cut
        }
    }
}

/// A provider that can stop, start, cut off and heal one of its nodes, for chaos:
/// - bare: `cluster/bare/node stop|start|cut|heal NODE` (an extra node of `up --nodes N`: its
///   cgroup tree killed and its link down, or every packet of its link dropped);
/// - Minikube: `minikube node stop|start NODE --profile P` (the node's VM or container stops); a
///   partition has no Minikube command;
/// - kind: `docker stop|start NODE` (a node is a container named as the node), and
///   `docker network disconnect|connect kind NODE` for a partition.
/// Cordon and drain need no provider: they are Kubernetes API calls.
public protocol NodeFaults: ClusterProvider {
    /// The command that makes `fault` happen to `node`, or nil when this provider cannot express it.
    func nodeFaultCommand(_ fault: NodeFault, node: String) -> Command?
}
