import KubernetesClient
import LabrunCore
import ScenarioModel
import StackModel

/// `rollingUpdate`: moves a workload (Deployment, StatefulSet or DaemonSet) to another version (the
/// stack file's version variable and the `labrun.dev/version` annotation, with any extra env); landed
/// when the new version's first pods are being made — a new ReplicaSet scaled up (Deployment), a pod
/// of a new controller revision (StatefulSet, DaemonSet) — then (unless `wait: false`) waits for the
/// rollout to finish.
struct RollingUpdateExecutor: ActionExecutor {
    let spec: RollingUpdateAction

    func execute(in context: ActionContext) async throws -> ActionOutcome {
        let namespace = context.namespace
        let kube = context.kube
        let workload = spec.workload
        let (kind, before) = try await context.controller(workload)
        let resource = try await kube.resourceType(apiVersion: "apps/v1", kind: kind.rawValue)
        let generation = before.value(at: "metadata.generation")?.intValue ?? 0
        let shape = context.stack.workload(workload)
        let container = shape?.container ?? before.value(at: "spec.template.spec.containers")?.arrayValue?.first?["name"]?.stringValue ?? workload
        let marksBefore = try await Self.revisionMarks(workload, kind: kind, context: context)
        // A strategic merge patch merges env entries by name: these are added or replaced.
        let versionEnv = shape?.version.map { [($0.env, spec.toVersion)] } ?? []
        let env = versionEnv + spec.env.sorted { $0.key < $1.key }.map { ($0.key, $0.value) }
        try await kube.patch(resource, name: workload, namespace: namespace, .strategicMerge([
            "spec": ["template": [
                "metadata": ["annotations": ["labrun.dev/version": .string(spec.toVersion)]],
                "spec": ["containers": [["name": .string(container),
                                         "env": .array(env.map { ["name": .string($0.0), "value": .string($0.1)] })]]],
            ]],
        ]))
        let changes = spec.env.isEmpty ? "" : " with " + spec.env.keys.sorted().joined(separator: ", ") + " changed"
        context.run.timeline.record(.action, workload, "rolling update to \(spec.toVersion)\(changes) requested")
        let newThing = kind == .deployment ? "a new ReplicaSet" : "a pod of a new revision"
        let landed = try await context.waitUntil("\(newThing) of \(workload) for \(spec.toVersion)", timeout: 60) {
            let now = try await kube.get(resource, name: workload, namespace: namespace)
            guard (now.value(at: "status.observedGeneration")?.intValue ?? 0) > generation else { return "generation not yet observed" }
            let marks = try await Self.revisionMarks(workload, kind: kind, context: context)
            return marks.subtracting(marksBefore).isEmpty ? "no \(newThing.dropFirst(2)) yet" : nil
        }
        guard spec.wait else { return ActionOutcome(faultLandedAt: landed, message: "rollout to \(spec.toVersion) started") }
        let done = try await context.waitUntil("the rollout of \(workload) to \(spec.toVersion)") {
            try await context.rolloutNotComplete(workload)
        }
        return ActionOutcome(faultLandedAt: landed, readyAt: done,
                             message: "rollout to \(spec.toVersion) started (\(newThing)) and finished in \(formatSeconds(done - landed))")
    }

    /// What tells the versions of a workload's pods apart: the names of its ReplicaSets that have
    /// replicas (Deployment), else the `controller-revision-hash` labels of its live pods.
    static func revisionMarks(_ workload: String, kind: WorkloadKind, context: ActionContext) async throws -> Set<String> {
        guard kind == .deployment else {
            let pods = ActionContext.active(try await context.pods(.workload(workload)))
            return Set(pods.compactMap { $0.metadata.labels?["controller-revision-hash"] })
        }
        return try await replicaSetNames(workload, context: context)
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
