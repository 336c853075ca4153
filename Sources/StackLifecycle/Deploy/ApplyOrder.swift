import LabrunCore

/// The order objects are applied in: what others refer to first (namespace, config, storage,
/// services), workloads after, policies last.
public enum ApplyOrder {
    static let rank: [String: Int] = [
        "Namespace": 0, "ResourceQuota": 1, "LimitRange": 1, "StorageClass": 1, "PersistentVolume": 1,
        "ServiceAccount": 2, "Secret": 3, "ConfigMap": 3, "PersistentVolumeClaim": 4,
        "Role": 5, "ClusterRole": 5, "RoleBinding": 6, "ClusterRoleBinding": 6,
        "Service": 7, "StatefulSet": 8, "Deployment": 9, "DaemonSet": 9, "Job": 9, "CronJob": 9,
        "HorizontalPodAutoscaler": 10, "PodDisruptionBudget": 10, "Ingress": 11, "NetworkPolicy": 12,
    ]

    /// `objects` sorted stably by kind rank (unknown kinds at the end).
    public static func sorted(_ objects: [JSONValue]) -> [JSONValue] {
        objects.enumerated().sorted { a, b in
            let ra = rank[a.element["kind"]?.stringValue ?? ""] ?? 99
            let rb = rank[b.element["kind"]?.stringValue ?? ""] ?? 99
            return ra != rb ? ra < rb : a.offset < b.offset
        }.map(\.element)
    }
}
