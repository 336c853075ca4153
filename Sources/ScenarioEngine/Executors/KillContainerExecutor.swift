import KubernetesClient
import LabrunCore
import ScenarioModel

/// `killContainer`: kills a container's main process through the node's runtime (`docker kill`),
/// a crash the kubelet restarts; verified by the container's restart count going up.
struct KillContainerExecutor: ActionExecutor {
    let spec: KillContainerAction

    func execute(in context: ActionContext) async throws -> ActionOutcome {
        try context.requireHostRuntime()
        let namespace = context.namespace
        let run = context.run
        let candidates = ActionContext.active(try await context.pods(spec.target)).filter(\.isReady)
        guard candidates.count >= spec.count else {
            throw LabrunError(id: ErrorID.actionNoTarget, message: "killContainer wanted \(spec.count) ready pod(s) of \(spec.target), found \(candidates.count).")
        }
        var targets: [(pod: String, container: String, restarts: Int)] = []
        var killedAt = 0.0
        for pod in ActionContext.choose(candidates, count: spec.count, pick: spec.pick) {
            let (container, id, restarts) = try context.dockerContainerID(pod, container: spec.container)
            try await context.runner.check(Command("docker", ["kill", "--signal", spec.signal.rawValue, id], timeout: 30),
                                           what: "Killing container \(container) of pod \(pod.metadata.name ?? "?")")
            killedAt = run.clock.now()
            run.timeline.record(.action, pod.metadata.name ?? "?", "docker kill --signal \(spec.signal.rawValue) \(String(id.prefix(12))) (\(container))")
            targets.append((pod.metadata.name ?? "?", container, restarts))
        }
        // Verified: the kubelet saw the crash and restarted the container (restart count up). The fault
        // itself landed when the runtime killed the process, so recovery is measured from then.
        let kube = context.kube
        for target in targets {
            let at = try await context.waitUntil("the restart count of \(target.pod)/\(target.container) to go above \(target.restarts)", timeout: 90) {
                let pod = try await kube.get(Pod.self, name: target.pod, namespace: namespace)
                let count = pod.status?.containerStatuses?.first { $0.name == target.container }?.restartCount ?? 0
                return count > target.restarts ? nil : "restart count \(count)"
            }
            run.timeline.record(.pod, target.pod, "restart count of \(target.container) went above \(target.restarts)", at: at)
        }
        return ActionOutcome(faultLandedAt: killedAt,
                             message: "killed \(targets.map { "\($0.pod)/\($0.container)" }.joined(separator: ", ")); restart count went up")
    }
}
