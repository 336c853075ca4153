import KubernetesClient
import LabrunCore
import ScenarioModel

/// `killContainer`: kills a container's main process — through the node's container runtime where
/// the provider reaches it (bare, Minikube, kind), else from inside the pod (see
/// `ActionContext.killRoute`) — a crash the kubelet restarts; verified by the container's restart
/// count going up. A kill whose restart never shows is a fault that did not land.
struct KillContainerExecutor: ActionExecutor {
    let spec: KillContainerAction

    /// How long the kubelet gets to notice the crash and restart the container.
    static let restartWithin = 90.0

    func execute(in context: ActionContext) async throws -> ActionOutcome {
        let namespace = context.namespace
        let run = context.run
        let chosen = try await context.readyPods(spec.target, count: spec.count, pick: spec.pick, for: "killContainer")
        var targets: [ActionContext.ContainerRef] = []
        var notes: [String] = []
        var killedAt = 0.0
        for pod in chosen {
            let ref = try context.containerRef(pod, container: spec.container)
            let route = try await context.killRoute(ref, signal: spec.signal)
            let output = try await context.runner.run(route.command)
            guard output.succeeded else {
                let error = LabrunError.commandFailed(route.command, output, what: "Killing container \(ref.name) of pod \(ref.pod)")
                throw LabrunError(id: error.id, exitCode: error.exitCode, message: error.message,
                                  advice: route.note == nil ? error.advice
                                    : "The container was signalled from inside the pod, which needs `kill` in its image; "
                                      + "use a provider that reaches the node's runtime (minikube, kind, bare), or deletePod.",
                                  debugDetail: error.debugDetail)
            }
            killedAt = run.clock.now()
            run.timeline.record(.action, ref.pod, "\(route.said) (\(ref.name))")
            if let note = route.note, !notes.contains(note) {
                notes.append(note)
                run.timeline.record(.note, ref.pod, note)
            }
            targets.append(ref)
        }
        // Verified: the kubelet saw the crash and restarted the container (restart count up). The fault
        // itself landed when the runtime killed the process, so recovery is measured from then.
        let kube = context.kube
        for target in targets {
            let at: Double
            do {
                at = try await context.waitUntil("the restart count of \(target.pod)/\(target.name) to go above \(target.restarts)",
                                                 timeout: Self.restartWithin) {
                    let pod = try await kube.get(Pod.self, name: target.pod, namespace: namespace)
                    let count = pod.status?.containerStatuses?.first { $0.name == target.name }?.restartCount ?? 0
                    return count > target.restarts ? nil : "restart count \(count)"
                }
            } catch let error as LabrunError where error.id == ErrorID.timeout {
                throw LabrunError(
                    id: ErrorID.faultNotLanded, exitCode: ExitCode.failure,
                    message: "The container \(target.pod)/\(target.name) was signalled but was not restarted within "
                        + "\(formatSeconds(Self.restartWithin)) (\(error.message))",
                    advice: notes.isEmpty ? "Check the pod's events: the kill may not have reached the container's main process."
                        : "Its main process may ignore TERM: use a provider that reaches the node's runtime (minikube, kind, bare), or deletePod.")
            }
            run.timeline.record(.pod, target.pod, "restart count of \(target.name) went above \(target.restarts)", at: at)
        }
        let killed = targets.map { "\($0.pod)/\($0.name)" }.joined(separator: ", ")
        return ActionOutcome(faultLandedAt: killedAt,
                             message: "killed \(killed); restart count went up" + notes.map { " (\($0))" }.joined())
    }
}
