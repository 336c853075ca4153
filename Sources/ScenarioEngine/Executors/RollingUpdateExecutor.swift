import KubernetesClient
import LabrunCore
import ScenarioModel

/// `rollingUpdate`: moves a Deployment to another version (the stack file's version variable and
/// the `labrun.dev/version` annotation, with any extra env); landed when a new ReplicaSet scaled up,
/// then (unless `wait: false`) waits for the rollout to finish.
struct RollingUpdateExecutor: ActionExecutor {
    let spec: RollingUpdateAction

    func execute(in context: ActionContext) async throws -> ActionOutcome {
        let namespace = context.namespace
        let kube = context.kube
        let workload = spec.workload
        let before = try await kube.get(Deployment.self, name: workload, namespace: namespace)
        let generation = before.metadata.generation ?? 0
        let shape = context.stack.workload(workload)
        let container = shape?.container ?? before.spec?.template?.spec?.containers.first?.name ?? workload
        let replicaSetsBefore = try await Self.replicaSetNames(workload, context: context)
        // A strategic merge patch merges env entries by name: these are added or replaced.
        let versionEnv = shape?.version.map { [($0.env, spec.toVersion)] } ?? []
        let env = versionEnv + spec.env.sorted { $0.key < $1.key }.map { ($0.key, $0.value) }
        _ = try await kube.patch(Deployment.self, name: workload, namespace: namespace, .strategicMerge([
            "spec": ["template": [
                "metadata": ["annotations": ["labrun.dev/version": .string(spec.toVersion)]],
                "spec": ["containers": [["name": .string(container),
                                         "env": .array(env.map { ["name": .string($0.0), "value": .string($0.1)] })]]],
            ]],
        ]))
        let changes = spec.env.isEmpty ? "" : " with " + spec.env.keys.sorted().joined(separator: ", ") + " changed"
        context.run.timeline.record(.action, workload, "rolling update to \(spec.toVersion)\(changes) requested")
        let landed = try await context.waitUntil("a new ReplicaSet of \(workload) for \(spec.toVersion)", timeout: 60) {
            let now = try await kube.get(Deployment.self, name: workload, namespace: namespace)
            guard (now.status?.observedGeneration ?? 0) > generation else { return "generation not yet observed" }
            let sets = try await Self.replicaSetNames(workload, context: context)
            return sets.subtracting(replicaSetsBefore).isEmpty ? "no new ReplicaSet scaled up yet" : nil
        }
        guard spec.wait else { return ActionOutcome(faultLandedAt: landed, message: "rollout to \(spec.toVersion) started") }
        let done = try await context.waitUntil("the rollout of \(workload) to \(spec.toVersion)") {
            try await context.rolloutNotComplete(workload)
        }
        return ActionOutcome(faultLandedAt: landed, readyAt: done,
                             message: "rollout to \(spec.toVersion) started (new ReplicaSet) and finished in \(formatSeconds(done - landed))")
    }

    /// The names of a workload's ReplicaSets that have replicas.
    static func replicaSetNames(_ workload: String, context: ActionContext) async throws -> Set<String> {
        let selector = try await context.selector(of: workload)
        let sets = try await context.kube.list(.replicaSets, namespace: context.namespace, options: ListOptions(labelSelector: selector)).items
        return Set(sets.compactMap { set -> String? in
            guard (set.value(at: "spec.replicas")?.intValue ?? 0) > 0 else { return nil }
            return set.value(at: "metadata.name")?.stringValue
        })
    }
}
