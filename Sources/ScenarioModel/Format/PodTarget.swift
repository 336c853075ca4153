/// Which pods an action hits: those of a workload, or those matching labels.
public enum PodTarget: Sendable, Hashable, Codable {
    /// The pods of a Deployment or StatefulSet, by name (`backend`, `postgres`).
    case workload(String)
    /// Pods matching every label (Kubernetes `matchLabels`).
    case labels([String: String])
}

/// How to choose among the matching pods.
public enum PodPick: String, Sendable, Hashable, Codable, CaseIterable {
    case random, oldest, newest
}

extension PodTarget: CustomStringConvertible {
    /// `backend`, or `pods labelled app=web,tier=front`: how messages name the target.
    public var description: String {
        switch self {
        case .workload(let name): return name
        case .labels(let labels): return "pods labelled " + labels.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: ",")
        }
    }
}
