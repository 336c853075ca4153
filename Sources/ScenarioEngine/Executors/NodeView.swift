import KubernetesClient

/// The parts of a Node that runs read: its name, whether it is cordoned, and its Ready condition.
struct NodeView: Decodable, Sendable {
    struct Metadata: Decodable, Sendable { var name: String? }
    struct Spec: Decodable, Sendable { var unschedulable: Bool? }
    struct Condition: Decodable, Sendable { var type: String; var status: String }
    struct Status: Decodable, Sendable { var conditions: [Condition]? }
    var metadata: Metadata?
    var spec: Spec?
    var status: Status?

    /// The Ready condition's status: `True`, `False` or `Unknown` (also when it is missing).
    var ready: String { status?.conditions?.first { $0.type == "Ready" }?.status ?? "Unknown" }
    /// Ready and not cordoned: the scheduler may place pods here.
    var acceptsPods: Bool { ready == "True" && spec?.unschedulable != true }
}
