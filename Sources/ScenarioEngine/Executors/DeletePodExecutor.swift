import KubernetesClient
import LabrunCore
import ScenarioModel

/// `deletePod`: deletes `count` pods chosen by `pick` through the API; landed when every victim is
/// terminating or gone and replacement pods (new UIDs) exist.
struct DeletePodExecutor: ActionExecutor {
    let spec: DeletePodAction

    func execute(in context: ActionContext) async throws -> ActionOutcome {
        let namespace = context.namespace
        let before = ActionContext.active(try await context.pods(spec.target))
        guard before.count >= spec.count else {
            throw LabrunError(id: ErrorID.actionNoTarget, message: "deletePod wanted \(spec.count) pod(s) of \(spec.target) but found \(before.count) running.")
        }
        let victims = ActionContext.choose(before, count: spec.count, pick: spec.pick)
        let grace = spec.force ? 0 : spec.grace.map { Int($0.seconds.rounded()) }
        for pod in victims {
            guard let name = pod.metadata.name else { continue }
            try await context.kube.delete(Pod.self, name: name, namespace: namespace, options: DeleteOptions(gracePeriodSeconds: grace))
            context.run.timeline.record(.action, name, spec.force ? "deleted (forced, grace 0)" : "deleted (graceful\(grace.map { ", grace \($0)s" } ?? ""))")
        }
        // Landed: every victim is terminating or gone, and a replacement pod (new UID) exists.
        let oldUIDs = Set(before.compactMap(\.metadata.uid))
        let victimUIDs = Set(victims.compactMap(\.metadata.uid))
        let target = spec.target
        let landed = try await context.waitUntil("the deleted pod(s) to be replaced by new ones", timeout: 60) {
            let now = try await context.pods(target)
            let stillActive = ActionContext.active(now).filter { victimUIDs.contains($0.metadata.uid ?? "") }
            if !stillActive.isEmpty { return "\(stillActive.count) victim(s) not yet terminating" }
            let fresh = now.filter { !oldUIDs.contains($0.metadata.uid ?? "") }
            return fresh.count >= victimUIDs.count ? nil : "\(fresh.count) of \(victimUIDs.count) replacement(s) created"
        }
        let names = victims.compactMap(\.metadata.name).joined(separator: ", ")
        return ActionOutcome(faultLandedAt: landed, message: "deleted \(names); replacement pod(s) with new UID created")
    }
}
