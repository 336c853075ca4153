import KubernetesClient
import LabrunCore
import ScenarioModel

/// `freeze`: stops every process of a container with the runtime's pause (`docker pause`, the cgroup
/// freezer) for `duration`, then thaws it (`docker unpause`) — a process that hangs without dying:
/// its sockets still accept connections and bytes, nothing answers, no restart happens. The runtime
/// is reached as for `killContainer` (`ActionContext.runtimeCommand`); a runtime other than Docker,
/// or a provider that gives no way to it, is refused before anything changes.
///
/// Verified: the runtime reports every chosen container `paused` (else the fault did not land, and
/// the ones that were paused are thawed); after the thaw, `running` again. The thaw is registered with
/// the run's cleanup while the freeze is on, so failure, timeout and Ctrl-C thaw it too.
struct FreezeExecutor: ActionExecutor {
    let spec: FreezeAction

    func execute(in context: ActionContext) async throws -> ActionOutcome {
        let run = context.run
        let runner = context.runner
        let chosen = try await context.readyPods(spec.target, count: spec.count, pick: spec.pick, for: "freeze")
        // Every route is found before anything is paused, so a refusal changes nothing.
        var targets: [Frozen] = []
        for pod in chosen {
            let ref = try context.containerRef(pod, container: spec.container)
            guard ref.runtime == "docker" else {
                throw Self.unsupported("pod \(ref.pod) runs on \(ref.runtime), and freeze pauses a container through Docker (`docker pause`, the cgroup freezer)")
            }
            guard let pause = try await context.runtimeCommand(["docker", "pause", ref.id], for: ref),
                  let unpause = try await context.runtimeCommand(["docker", "unpause", ref.id], for: ref),
                  let inspect = try await context.runtimeCommand(["docker", "inspect", "--format", "{{.State.Status}}", ref.id], for: ref, timeout: 30)
            else {
                throw Self.unsupported("the \(context.provider.kind) provider gives no access to the container runtime of pod \(ref.pod)")
            }
            targets.append(Frozen(ref: ref, pause: pause.command, unpause: unpause.command, inspect: inspect.command, via: pause.via))
        }

        var tokens: [Int] = []
        for (index, target) in targets.enumerated() {
            let unpause = target.unpause
            tokens.append(run.cleanup.register("thaw \(target.ref.pod)/\(target.ref.name)", timeout: 60) {
                _ = try? await runner.run(unpause)
            })
            do {
                try await runner.check(target.pause, what: "Freezing container \(target.ref.name) of pod \(target.ref.pod)")
            } catch {
                await thaw(Array(targets.prefix(index + 1)), tokens: tokens, context: context)
                throw error
            }
            run.timeline.record(.action, target.ref.pod, "docker pause \(target.short)\(target.via) (\(target.ref.name))")
        }
        // Landed: the runtime says every container is paused.
        for target in targets {
            let status = try await Self.status(target, runner: runner)
            guard status == "paused" else {
                await thaw(targets, tokens: tokens, context: context)
                throw LabrunError(id: ErrorID.faultNotLanded, exitCode: ExitCode.failure,
                                  message: "The freeze of \(target.ref.pod)/\(target.ref.name) did not land: after `docker pause` the runtime reports it \(status), not paused.",
                                  advice: "Check that the node's Docker can pause containers (the cgroup freezer) and that the container was not replaced meanwhile.")
            }
        }
        let landed = run.clock.now()
        let names = targets.map { "\($0.ref.pod)/\($0.ref.name)" }.joined(separator: ", ")
        run.timeline.record(.faultLanded, names, "frozen (the runtime reports paused) for \(spec.duration)", at: landed)

        try await run.clock.sleep(seconds: spec.duration.seconds)

        let notes = await thaw(targets, tokens: tokens, context: context)
        run.timeline.record(.recovered, names, "thawed" + (notes.isEmpty ? "" : ": " + notes.joined(separator: "; ")))
        return ActionOutcome(faultLandedAt: landed, readyAt: run.clock.now(),
                             message: "froze \(names) for \(spec.duration) (verified paused), then thawed"
                                + (notes.isEmpty ? "" : " (\(notes.joined(separator: "; ")))"))
    }

    /// Unpauses every target, drops their cleanup entries, and says which did not come back to running
    /// (the kubelet may have restarted a frozen container whose liveness probe failed: that is the
    /// stack's doing and the report shows it, not a failure of the thaw).
    @discardableResult
    func thaw(_ targets: [Frozen], tokens: [Int], context: ActionContext) async -> [String] {
        var notes: [String] = []
        for target in targets {
            let output = try? await context.runner.run(target.unpause)
            let status = (try? await Self.status(target, runner: context.runner)) ?? "unknown"
            if status != "running" {
                let said = output.map { $0.standardError.trimmingCharacters(in: .whitespacesAndNewlines) } ?? ""
                notes.append("\(target.ref.pod)/\(target.ref.name) is \(status) after the thaw" + (said.isEmpty ? "" : " (\(ScenarioError.clip(said)))"))
            }
        }
        for token in tokens { context.run.cleanup.remove(token) }
        return notes
    }

    /// The runtime's word for the container's state: `paused`, `running`, `exited`, … (`gone` when it no longer exists).
    static func status(_ target: Frozen, runner: any ProcessRunner) async throws -> String {
        let output = try await runner.run(target.inspect)
        guard output.succeeded else { return "gone" }
        return output.standardOutput.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    static func unsupported(_ why: String) -> LabrunError {
        LabrunError(id: ErrorID.runtimeUnsupported, exitCode: ExitCode.unavailable,
                    message: "freeze cannot reach the container's processes: \(why).",
                    advice: "Use a provider whose nodes run Docker: bare, or Minikube with the docker container runtime.")
    }

    /// A container chosen for the freeze and the commands that act on it.
    struct Frozen: Sendable {
        var ref: ActionContext.ContainerRef
        var pause: Command
        var unpause: Command
        var inspect: Command
        var via: String
        var short: String { String(ref.id.prefix(12)) }
    }
}
