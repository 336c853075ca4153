import KubernetesClient
import LabrunCore
import ScenarioModel

/// Kubernetes' view of a lost node for the workload a `nodeFault` chose it by (`nodeOf`): its pods
/// there evicted (the taint manager deletes them once their toleration of
/// `node.kubernetes.io/unreachable` runs out), replacements scheduled on other nodes, and as many ready
/// pods off the node as the workload had ready before the fault.
///
/// Fed the workload's pods once a second while the node is away and until it is Ready again; each
/// moment is the first poll that saw it, so each is late by at most the poll's interval.
struct NodeLossRescheduling {
    let node: String
    let workload: String
    /// Ready pods of the workload before the fault, and those of them on the lost node.
    let wanted: Int
    let onNode: Int
    /// The pods that existed before the fault (by UID): any other is a replacement.
    let before: Set<String>
    private(set) var evictedAt: Double?
    private(set) var scheduledAt: Double?
    private(set) var readyAt: Double?

    init(node: String, workload: String, podsBefore: [Pod]) {
        self.node = node
        self.workload = workload
        let ready = ActionContext.active(podsBefore).filter(\.isReady)
        wanted = ready.count
        onNode = ready.filter { $0.spec?.nodeName == node }.count
        before = Set(podsBefore.compactMap(\.metadata.uid))
    }

    /// Notes what `pods` (the workload's, now) show for the first time; returns the timeline's lines.
    mutating func observe(_ pods: [Pod], at now: Double) -> [String] {
        var lines: [String] = []
        if evictedAt == nil, pods.contains(where: { before.contains($0.metadata.uid ?? "") && $0.spec?.nodeName == node
                                                    && $0.metadata.deletionTimestamp != nil }) {
            evictedAt = now
            lines.append("pods of \(workload) on \(node) evicted")
        }
        let elsewhere = ActionContext.active(pods).filter { $0.spec?.nodeName.map { $0 != node } ?? false }
        if scheduledAt == nil, let pod = elsewhere.first(where: { !before.contains($0.metadata.uid ?? "") }) {
            scheduledAt = now
            lines.append("replacement \(pod.metadata.name ?? "pod") of \(workload) scheduled on \(pod.spec?.nodeName ?? "?")")
        }
        if readyAt == nil, scheduledAt != nil, elsewhere.filter(\.isReady).count >= wanted {
            readyAt = now
            lines.append("\(workload) has \(wanted) ready pod(s) again without \(node)")
        }
        return lines
    }

    /// One sentence for the step's message, times counted from `start` (the fault).
    func summary(since start: Double) -> String {
        func at(_ time: Double?) -> String { time.map { "\(formatSeconds($0 - start)) after the fault" } ?? "never" }
        guard let readyAt else {
            return "no ready replacement of \(workload)'s \(onNode) pod(s) on \(node) while the node was away (evicted: \(at(evictedAt)), "
                + "replacement scheduled: \(at(scheduledAt))): pods are evicted from an unreachable node only when their toleration of "
                + "node.kubernetes.io/unreachable runs out (300s unless the pod sets tolerationSeconds), so they were not rescheduled"
        }
        return "\(workload)'s \(onNode) pod(s) on \(node) evicted \(at(evictedAt)), replacements scheduled \(at(scheduledAt)), "
            + "\(wanted) ready again without the node \(at(readyAt))"
    }
}
