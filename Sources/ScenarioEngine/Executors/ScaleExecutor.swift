import KubernetesClient
import LabrunCore
import ScenarioModel
import StackModel

/// `scale`: sets a Deployment's or StatefulSet's replicas (a DaemonSet has none: refused); landed when the pod count reached the
/// target, then (unless `wait: false`) waits for every replica to be ready.
struct ScaleExecutor: ActionExecutor {
    let spec: ScaleAction

    func execute(in context: ActionContext) async throws -> ActionOutcome {
        let namespace = context.namespace
        let (before, kind) = try await context.desiredReplicas(of: spec.workload)
        guard kind != .daemonSet else {
            throw LabrunError(id: ErrorID.actionFailed, exitCode: ExitCode.invalidInput,
                              message: "scale cannot change the replicas of DaemonSet \(spec.workload): a DaemonSet runs one pod per matching node.",
                              advice: "Scale a Deployment or StatefulSet, or change the DaemonSet's node selector in the stack's manifests.")
        }
        let body: KubernetesPatch = .merge(["spec": ["replicas": .number(Double(spec.replicas))]])
        let resource: ResourceType = kind == .statefulSet ? .statefulSets : .deployments
        try await context.kube.patch(resource, name: spec.workload, namespace: namespace, body)
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
