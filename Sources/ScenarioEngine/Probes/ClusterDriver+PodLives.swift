import Foundation
import KubernetesClient
import LabrunCore
import ScenarioModel

extension ClusterDriver {
    /// Watches the run's pods and Kubernetes events until cancelled (issue 12: the pods' lives as
    /// evidence). A watch the cluster refuses (RBAC, a namespace deleted under it) ends with a note.
    public func observePods(_ run: RunContext) async {
        let kube = self.kube
        let workloads = Set(stack.workloads.map(\.name))
        await withTaskGroup(of: Void.self) { group in
            group.addTask {
                var lives = PodLives()
                do {
                    for try await event in kube.watch(Pod.self, namespace: run.namespace) {
                        let snapshot = Self.snapshot(event.object, workloads: workloads)
                        let now = run.clock.now()
                        let changes = event.type == .deleted ? lives.deleted(snapshot, at: now) : lives.observe(snapshot, at: now)
                        for change in changes { run.recordPodLife(change) }
                    }
                } catch {
                    if !Task.isCancelled { run.timeline.record(.note, "pods", "the pod watch stopped: \(RunFailure.describe(error))") }
                }
            }
            group.addTask {
                var seen = Set<String>()
                do {
                    for try await event in kube.watch(Event.self, namespace: run.namespace) where event.type != .deleted {
                        let item = event.object
                        // An event repeats with a higher count; each count is a new occurrence.
                        let key = "\(item.metadata.uid ?? item.name)#\(item.count ?? 1)"
                        guard seen.insert(key).inserted, seen.count <= RunContext.podLifeLimit else { continue }
                        let object = item.involvedObject
                        let subject = object?.kind == "Pod" ? (object?.name ?? "?") : "\(object?.kind ?? "?")/\(object?.name ?? "?")"
                        let detail = "\(item.type ?? "Normal") \(item.reason ?? ""): \(item.message ?? "")"
                            + ((item.count ?? 1) > 1 ? " (×\(item.count ?? 1))" : "")
                        run.recordPodLife(PodLifeEvent(at: run.clock.now(), pod: subject, change: .event, detail: detail))
                    }
                } catch {
                    if !Task.isCancelled { run.timeline.record(.note, "events", "the event watch stopped: \(RunFailure.describe(error))") }
                }
            }
        }
    }

    /// The stack workload a pod belongs to, from its owner: a Deployment's pods are owned by a ReplicaSet
    /// named `<deployment>-<pod-template-hash>`; a StatefulSet's and a DaemonSet's by the workload itself.
    static func workload(of pod: Pod, among workloads: Set<String>) -> String? {
        guard let owner = pod.metadata.ownerReferences?.first(where: { $0.controller == true }) ?? pod.metadata.ownerReferences?.first,
              var name = owner.name else { return nil }
        if owner.kind == "ReplicaSet", let hash = pod.metadata.labels?["pod-template-hash"], name.hasSuffix("-" + hash) {
            name = String(name.dropLast(hash.count + 1))
        }
        return workloads.contains(name) ? name : nil
    }

    /// What the pod-life tracker needs from a Pod object.
    static func snapshot(_ pod: Pod, workloads: Set<String> = []) -> PodSnapshot {
        func termination(_ state: ContainerState?) -> ContainerTermination? {
            state?.terminated.map { ContainerTermination(exitCode: $0.exitCode, signal: $0.signal, reason: $0.reason) }
        }
        let containers = (pod.status?.containerStatuses ?? []).map { status in
            ContainerSnapshot(name: status.name, restarts: status.restartCount ?? 0, running: status.state?.running != nil,
                              waitingReason: status.state?.waiting?.reason, terminated: termination(status.state),
                              lastTerminated: termination(status.lastState))
        }
        return PodSnapshot(name: pod.name, uid: pod.metadata.uid ?? pod.name, workload: workload(of: pod, among: workloads),
                           node: pod.spec?.nodeName, phase: pod.phase,
                           ready: pod.isReady, deleting: pod.metadata.deletionTimestamp != nil,
                           gracePeriod: pod.metadata.deletionGracePeriodSeconds, reason: pod.status?.reason,
                           message: pod.status?.message, containers: containers)
    }
}
