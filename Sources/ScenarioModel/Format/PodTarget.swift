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
