import KubernetesClient
import LabrunCore
import ScenarioModel

/// `scale`: sets a Deployment's or StatefulSet's replicas; landed when the pod count reached the
/// target, then (unless `wait: false`) waits for every replica to be ready.
struct ScaleExecutor: ActionExecutor {
    let spec: ScaleAction

    func execute(in context: ActionContext) async throws -> ActionOutcome {
        let namespace = context.namespace
        let (before, statefulSet) = try await context.desiredReplicas(of: spec.workload)
        let body: KubernetesPatch = .merge(["spec": ["replicas": .number(Double(spec.replicas))]])
        if statefulSet {
            _ = try await context.kube.patch(StatefulSet.self, name: spec.workload, namespace: namespace, body)
        } else {
            _ = try await context.kube.patch(Deployment.self, name: spec.workload, namespace: namespace, body)
        }
        context.run.timeline.record(.action, spec.workload, "scaled \(before) → \(spec.replicas)")
        let workload = spec.workload
        let landed = try await context.waitUntil("\(workload) to have \(spec.replicas) pod(s)", timeout: 60) {
            let active = ActionContext.active(try await context.pods(.workload(workload))).count
            return active == spec.replicas || (spec.replicas > before ? active >= spec.replicas : active <= spec.replicas)
                ? nil : "\(active) pod(s)"
        }
        guard spec.wait else { return ActionOutcome(faultLandedAt: landed, message: "scaled to \(spec.replicas)") }
        let ready = try await context.waitUntil("\(workload) to have \(spec.replicas) ready replica(s)") {
            try await context.workloadNotReady(workload)
        }
        return ActionOutcome(faultLandedAt: landed, readyAt: ready, message: "scaled \(before) → \(spec.replicas), all ready")
    }
}
