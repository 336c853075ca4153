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
///
/// Docker can deadlock here: an exec (a probe) started just before the pause hangs in the frozen
/// cgroup holding the container's exec list; any `docker inspect` (the kubelet's too) then holds
/// the container's lock waiting for that list, and `docker unpause` waits for the lock — for good
/// (seen in a CI run on 6 December: the node's kubelet stalled with it). So the state is read with
/// `docker ps` (the daemon's lock-free view), and on bare, where the node's cgroups are this
/// host's, a thaw that does not answer within 20 s writes THAWED to the container's freezer
/// cgroup itself, which lets the exec finish and Docker's own unpause through.
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
                  let inspect = try await context.runtimeCommand(["docker", "ps", "--all", "--no-trunc", "--filter", "id=\(ref.id)", "--format", "{{.State}}"], for: ref, timeout: 30)
            else {
                throw Self.unsupported("the \(context.provider.kind) provider gives no access to the container runtime of pod \(ref.pod)")
            }
            var frozen = Frozen(ref: ref, pause: pause.command, unpause: unpause.command, inspect: inspect.command, via: pause.via)
            frozen.unpause.timeout = 20
            frozen.freezerThaw = try await Self.freezerThaw(ref, context: context)
            targets.append(frozen)
        }

        var tokens: [Int] = []
        for (index, target) in targets.enumerated() {
            tokens.append(run.cleanup.register("thaw \(target.ref.pod)/\(target.ref.name)", timeout: 60) {
                await Self.unpause(target, runner: runner)
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
            let said = await Self.unpause(target, runner: context.runner)
            var status = (try? await Self.status(target, runner: context.runner)) ?? "unknown"
            // After a thaw through the freezer cgroup, Docker's own unpause goes through once the lock is free.
            for _ in 0..<10 where status == "paused" && target.freezerThaw != nil {
                try? await context.run.clock.sleep(seconds: 1)
                status = (try? await Self.status(target, runner: context.runner)) ?? "unknown"
            }
            if status != "running" {
                notes.append("\(target.ref.pod)/\(target.ref.name) is \(status) after the thaw" + (said.isEmpty ? "" : " (\(ScenarioError.clip(said)))"))
            }
        }
        for token in tokens { context.run.cleanup.remove(token) }
        return notes
    }

    /// The runtime's word for the container's state: `paused`, `running`, `exited`, … (`gone` when it no longer exists).
    static func status(_ target: Frozen, runner: any ProcessRunner) async throws -> String {
        let output = try await runner.run(target.inspect)
        let state = output.standardOutput.trimmingCharacters(in: .whitespacesAndNewlines)
        guard output.succeeded, !state.isEmpty else { return "gone" }
        return state
    }

    /// `docker unpause`; when it does not answer in time and the container's freezer cgroup is
    /// this host's, THAWED written there. Returns what a failed unpause said.
    @discardableResult
    static func unpause(_ target: Frozen, runner: any ProcessRunner) async -> String {
        let output = try? await runner.run(target.unpause)
        if output?.succeeded == true { return "" }
        if let thaw = target.freezerThaw { _ = try? await runner.run(thaw) }
        let said = output.map { $0.standardError.trimmingCharacters(in: .whitespacesAndNewlines) } ?? ""
        return said.isEmpty ? "docker unpause did not answer within \(Int(target.unpause.timeout ?? 0))s" + (target.freezerThaw == nil ? "" : "; thawed through the freezer cgroup") : said
    }

    /// On bare (the node's cgroups are this host's, cgroup v1 with Docker's cgroupfs driver): the
    /// command that writes THAWED to the container's freezer cgroup, read before the pause (an
    /// inspect is safe then). Nil elsewhere.
    static func freezerThaw(_ ref: ActionContext.ContainerRef, context: ActionContext) async throws -> Command? {
        guard context.provider.kind == .bare,
              let route = try await context.runtimeCommand(["docker", "inspect", "--format", "{{.HostConfig.CgroupParent}}", ref.id], for: ref, timeout: 30),
              let output = try? await context.runner.run(route.command), output.succeeded else { return nil }
        let parent = output.standardOutput.trimmingCharacters(in: .whitespacesAndNewlines)
        let allowed = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789/_.-")
        guard parent.hasPrefix("/"), parent.allSatisfy(allowed.contains), ref.id.allSatisfy(\.isHexDigit) else { return nil }
        let file = "/sys/fs/cgroup/freezer\(parent)/\(ref.id)/freezer.state"
        return Command("sh", ["-c", "test -f \(file) && echo THAWED > \(file)"], timeout: 10)
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
        /// Bare only: THAWED written to the container's freezer cgroup, when `docker unpause` hangs.
        var freezerThaw: Command? = nil
        var short: String { String(ref.id.prefix(12)) }
    }
}
