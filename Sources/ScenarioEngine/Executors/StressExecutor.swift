import Foundation
import KubernetesClient
import LabrunCore
import ScenarioModel

/// `stress`: loads a container from inside its own cgroups. A stressor process is started on the node
/// (bare: this host), joins every cgroup v1 hierarchy of the container's main process before it does
/// anything, and then spins `workers` busy workers (`cpu`) or holds `percent` of the container's memory
/// limit (`memory`) for `duration`. Inside the cgroups its work counts against the container's limits
/// exactly as the container's own would: the CPU limit throttles both, and memory beyond the limit
/// makes the kernel's OOM killer pick a victim there. The stressor sets its own `oom_score_adj` to
/// -1000 where it may (CAP_SYS_RESOURCE), so the victim is the container's process — the OOM kill a
/// leaking process would get; without it the container's processes still rank above it unless the pod
/// is Guaranteed (the kubelet gives those -997), and a kill of the stressor itself (no restart
/// follows) is reported as a fault that did not land. The stressor gives its memory back as soon as the cgroup counts a kill (it
/// reads `oom_kill` as it goes).
///
/// Landed: the container's cgroup lists the stressor (it joined), and then, for `memory` up to 100 %,
/// the cgroup holds the stressor's memory; above 100 %, the cgroup counts an OOM kill (or is gone with
/// the dead container) within `duration`, and the kubelet reports the container restarted, ended by
/// the OOM killer (reason OOMKilled, or exit code 137: see `oomKillSeen`). A container
/// without a memory limit is refused for `memory`: the stressor would take the node's memory instead.
/// The stressor is stopped after the duration, on failure, timeout and Ctrl-C (the run's cleanup),
/// and its workers die with it (`PR_SET_PDEATHSIG`).
///
/// Only where the node's cgroups are this host's (the bare provider), and only cgroup v1 (the bare
/// cluster's kubelet uses it).
struct StressExecutor: ActionExecutor {
    let spec: StressAction

    /// How long the kubelet gets to report an OOM-killed container restarted.
    static let restartWithin = 90.0
    /// How long the stressor gets to start and join the container's cgroups.
    static let joinWithin = 15.0
    static let cgroupRoot = "/sys/fs/cgroup"
    /// A memory limit at least this high is none (cgroup v1 writes about 2⁶³ for "no limit").
    static let unlimited: UInt64 = 1 << 62

    /// One container to stress: its main process and where its cgroups are on the host.
    struct Target: Sendable {
        var ref: ActionContext.ContainerRef
        var pid: String
        /// `cgroup.procs` of every v1 hierarchy the process is in (the named ones, like systemd's, aside).
        var procs: [String]
        var memory: String?
        var cpuacct: String?
        var name: String { "\(ref.pod)/\(ref.name)" }
    }

    func execute(in context: ActionContext) async throws -> ActionOutcome {
        try context.requireHostRuntime(reaching: "the containers' cgroups", advice: "Run it on the bare provider.")
        let run = context.run
        let runner = context.runner
        let chosen = try await context.readyPods(spec.target, count: spec.count, pick: spec.pick, for: "stress")
        // Every container is found, and every limit read, before anything starts: a refusal changes nothing.
        var targets: [(target: Target, bytes: UInt64?, limit: UInt64?)] = []
        for pod in chosen {
            let target = try await Self.locate(try context.dockerContainer(pod, container: spec.container), context: context)
            var limit: UInt64?
            var bytes: UInt64?
            if spec.resource == .memory {
                guard let memory = target.memory, let read = try await Self.number(memory + "/memory.limit_in_bytes", runner: runner) else {
                    throw Self.notVerifiable(target, "its memory cgroup could not be read")
                }
                guard read < Self.unlimited else {
                    throw LabrunError(id: ErrorID.actionFailed, exitCode: ExitCode.failure,
                                      message: "stress (memory) refused: container \(target.name) has no memory limit, so the stress would take the node's memory instead of the container's.",
                                      advice: "Give the container resources.limits.memory (the stack's manifests), or stress its CPU instead.")
                }
                limit = read
                bytes = UInt64((Double(read) * (spec.percent ?? 100) / 100).rounded())
            }
            targets.append((target, bytes, limit))
        }

        var started: [(target: Target, process: any BackgroundProcess, token: Int, log: String, before: UInt64)] = []
        func stopAll() async {
            for item in started {
                await item.process.stop(grace: 0)
                run.cleanup.remove(item.token)
            }
        }
        do {
            for (target, bytes, _) in targets {
                let log = try run.logPath("stress-\(target.ref.pod)-\(target.ref.name)")
                let before = try await Self.counter(target, resource: spec.resource, runner: runner)
                let process = try await runner.start(Self.command(target, resource: spec.resource, bytes: bytes, workers: spec.workers,
                                                                  seconds: spec.duration.seconds), logPath: log)
                let token = run.cleanup.register("stop the stress of \(target.name)", timeout: 30) { await process.stop(grace: 0) }
                started.append((target, process, token, log, before))
                run.timeline.record(.action, target.ref.pod, "stress \(Self.describe(spec, bytes: bytes)) joined to the cgroups of \(target.ref.name)")
            }
            // Landed, first: the stressor is inside the container's cgroups.
            for item in started {
                try await Self.awaitJoined(item.target, process: item.process, log: item.log, context: context)
            }
            let outcome: ActionOutcome
            switch spec.resource {
            case .memory where spec.breachesLimit:
                outcome = try await breach(started.map { ($0.target, $0.before, $0.process, $0.log) }, limits: targets.map { $0.limit ?? 0 },
                                           context: context, stop: stopAll)
            case .memory:
                outcome = try await hold(started.map { ($0.target, $0.before) }, bytes: targets.map { $0.bytes ?? 0 }, context: context)
            case .cpu:
                outcome = try await spin(started.map { ($0.target, $0.before) }, context: context)
            }
            await stopAll()
            return outcome
        } catch {
            await stopAll()
            throw error
        }
    }

    // MARK: - The three stresses

    /// Memory beyond the limit. The kill is seen as the cgroup's `oom_kill` count going up, or as the
    /// container's cgroup going away with it: once the container's process is dead the runtime removes its
    /// cgroups, killing whatever is left in them — the stressor too, if it had not given its memory back yet
    /// (seen in CI, where a busy machine made it slower than the runtime). Landed when the kubelet then
    /// reports the container restarted, and ended by the OOM killer (reason OOMKilled).
    func breach(_ items: [(Target, UInt64, any BackgroundProcess, String)], limits: [UInt64], context: ActionContext,
                stop: () async -> Void) async throws -> ActionOutcome {
        let run = context.run
        var killedAt: [Double] = []
        for (index, (target, killsBefore, _, _)) in items.enumerated() {
            let memory = target.memory ?? ""
            killedAt.append(try await landing("the kernel to OOM-kill a process of \(target.name)", interval: 0.2, context: context, notLanded: { _ in
                let usage = try? await Self.number(memory + "/memory.usage_in_bytes", runner: context.runner)
                return ("The memory stress of \(target.name) did not land: no process of the container was OOM-killed within \(spec.duration) "
                            + "(its limit \(Self.mebibytes(limits[index])), usage \(usage.map(Self.mebibytes) ?? "unknown")).",
                        "Check that the container's memory cgroup enforces its limit (memory.limit_in_bytes) and that the stressor could allocate (its log in the run's report folder).")
            }) {
                // No count to read: the cgroup is gone, and the container's process with it.
                guard let kills = try await Self.oomKills(memory, runner: context.runner) else { return nil }
                return kills > killsBefore ? nil : "OOM kills \(kills)"
            })
        }
        // The stressors have given their memory back or died with the container's cgroups; stopped for good here.
        await stop()
        let kube = context.kube
        let namespace = context.namespace
        var reasons: [String] = []
        for (index, (target, _, process, log)) in items.enumerated() {
            let at: Double
            do {
                at = try await context.waitUntil("the kubelet to restart \(target.name) after the OOM kill", timeout: Self.restartWithin) {
                    let pod = try await kube.get(Pod.self, name: target.ref.pod, namespace: namespace)
                    let count = pod.status?.containerStatuses?.first { $0.name == target.ref.name }?.restartCount ?? 0
                    return count > target.ref.restarts ? nil : "restart count \(count)"
                }
            } catch let error as LabrunError where error.id == ErrorID.timeout {
                throw LabrunError(id: ErrorID.faultNotLanded, exitCode: ExitCode.failure,
                                  message: "The memory stress of \(target.name) did not land: the cgroup counted an OOM kill but the container was not restarted within "
                                    + "\(formatSeconds(Self.restartWithin)) (\(error.message)): \(await Self.victim(process: process, log: log)).",
                                  advice: "A Guaranteed pod's processes have oom_score_adj -997 and rank below the stressor unless it exempts itself (root with CAP_SYS_RESOURCE); "
                                    + "a container whose main process survives the kill of a child is not restarted either.")
            }
            // Why the container ended, as the kubelet has it: OOMKilled when the OOM killer ended its main process.
            let pod = try? await kube.get(Pod.self, name: target.ref.pod, namespace: namespace)
            let ended = pod?.status?.containerStatuses?.first { $0.name == target.ref.name }?.lastState?.terminated
            guard let how = Self.oomKillSeen(reason: ended?.reason ?? "", exitCode: ended?.exitCode) else {
                let reason = ended?.reason ?? ""
                throw LabrunError(id: ErrorID.faultNotLanded, exitCode: ExitCode.failure,
                                  message: "The memory stress of \(target.name) did not land: the container restarted, but the kubelet gives its end as "
                                    + "\(reason.isEmpty ? "no reason" : "\"\(reason)\"")\(ended?.exitCode.map { " (exit code \($0))" } ?? ""), not OOMKilled.",
                                  advice: "Its events and the stressor's log (\(log)) say what ended it.")
            }
            reasons.append("\(target.name) (\(how))")
            run.timeline.record(.faultLanded, target.ref.pod, "the kernel OOM-killed \(target.ref.name) (its memory limit \(Self.mebibytes(limits[index])) breached)", at: killedAt[index])
            run.timeline.record(.pod, target.ref.pod, "restart count of \(target.ref.name) went above \(target.ref.restarts) (\(how))", at: at)
        }
        return ActionOutcome(faultLandedAt: killedAt.max(), message: "breached the memory limit (\(Self.describe(spec, bytes: nil))): the kernel OOM-killed "
                                + reasons.joined(separator: ", ") + ", and the kubelet restarted it")
    }

    /// How the kubelet's end of a container whose memory cgroup counted an OOM kill shows the kill of its
    /// main process: reason OOMKilled; or, when the runtime handled the exit before the kernel's OOM event,
    /// "Error" with exit code 137 (killed by SIGKILL, which only the OOM killer sends there) — a known race
    /// of the runtimes (containerd#8180, moby#15621), seen here once in `labrun all`. Nil for any other end
    /// (a child killed and the main process exiting on its own is not the OOM kill of the container).
    static func oomKillSeen(reason: String, exitCode: Int?) -> String? {
        if reason == "OOMKilled" { return "OOMKilled" }
        if reason == "Error" && exitCode == 137 { return "exit code 137; the runtime missed the OOM event and says \"Error\"" }
        return nil
    }

    /// Memory up to the limit: landed once the cgroup holds the stressor's memory; held for the duration.
    func hold(_ items: [(Target, UInt64)], bytes: [UInt64], context: ActionContext) async throws -> ActionOutcome {
        let run = context.run
        let started = run.clock.now()
        var landed = 0.0
        var notes: [String] = []
        for (index, (target, _)) in items.enumerated() {
            let memory = target.memory ?? ""
            let wanted = bytes[index] / 10 * 9   // the kernel may have reclaimed some of the container's own cache meanwhile
            landed = try await landing("the cgroup of \(target.name) to hold the stressor's memory", interval: 0.2, context: context, notLanded: { seen in
                ("The memory stress of \(target.name) did not land: its cgroup never held \(Self.mebibytes(wanted)) within \(spec.duration) (\(seen)).",
                 "The stressor's log in the run's report folder says how far it got.")
            }) {
                let usage = try await Self.number(memory + "/memory.usage_in_bytes", runner: context.runner) ?? 0
                return usage >= wanted ? nil : "usage \(Self.mebibytes(usage))"
            }
            run.timeline.record(.faultLanded, target.ref.pod, "\(target.ref.name)'s cgroup holds the stressor's \(Self.mebibytes(bytes[index]))", at: landed)
        }
        try await run.clock.sleep(seconds: max(0, spec.duration.seconds - (run.clock.now() - started)))
        for (target, killsBefore) in items {
            if let kills = try await Self.oomKills(target.memory ?? "", runner: context.runner), kills > killsBefore {
                notes.append("the kernel OOM-killed a process of \(target.name) under the pressure")
            }
        }
        let names = items.map(\.0.name).joined(separator: ", ")
        run.timeline.record(.recovered, names, "memory stress ended" + (notes.isEmpty ? "" : ": " + notes.joined(separator: "; ")))
        return ActionOutcome(faultLandedAt: landed, readyAt: run.clock.now(),
                             message: "held \(Self.describe(spec, bytes: nil)) in \(names) for \(spec.duration)" + notes.map { " (\($0))" }.joined())
    }

    /// Busy workers: landed when they have run (the cgroup's CPU time grew by at least a tenth of a
    /// core-second per worker); held for the duration; the CPU time they took is reported.
    func spin(_ items: [(Target, UInt64)], context: ActionContext) async throws -> ActionOutcome {
        let run = context.run
        let started = run.clock.now()
        let workers = UInt64(spec.workers ?? 1)
        var landed = 0.0
        for (target, before) in items {
            let cpuacct = target.cpuacct ?? ""
            landed = try await landing("the stressor's CPU time to show in \(target.name)'s cgroup", interval: 0.5, context: context, notLanded: { seen in
                ("The CPU stress of \(target.name) did not land: its cgroup's CPU time did not grow within \(spec.duration) (\(seen)).",
                 "The stressor's log in the run's report folder says whether it ran.")
            }) {
                let used = try await Self.number(cpuacct + "/cpuacct.usage", runner: context.runner) ?? before
                return used >= before + workers * 100_000_000 ? nil : "CPU time \(Self.seconds(used &- before)) since the start"
            }
            run.timeline.record(.faultLanded, target.ref.pod, "\(workers) busy worker(s) run in \(target.ref.name)'s cgroup", at: landed)
        }
        try await run.clock.sleep(seconds: max(0, spec.duration.seconds - (run.clock.now() - started)))
        var used: [String] = []
        for (target, before) in items {
            if let now = try await Self.number((target.cpuacct ?? "") + "/cpuacct.usage", runner: context.runner) {
                used.append("\(target.name) used \(Self.seconds(now &- before)) of CPU")
            }
        }
        let names = items.map(\.0.name).joined(separator: ", ")
        run.timeline.record(.recovered, names, "CPU stress ended")
        return ActionOutcome(faultLandedAt: landed, readyAt: run.clock.now(),
                             message: "ran \(Self.describe(spec, bytes: nil)) in \(names) for \(spec.duration)" + (used.isEmpty ? "" : " (\(used.joined(separator: ", ")))"))
    }

    /// Waits, within the stress's duration, for `check` to return nil (see `ActionContext.waitUntil`); when
    /// the duration passes first, the fault did not land: `notLanded` gets the wait's message and says so.
    func landing(_ what: String, interval: Double, context: ActionContext,
                 notLanded: (_ seen: String) async -> (message: String, advice: String),
                 _ check: @escaping @Sendable () async throws -> String?) async throws -> Double {
        do {
            return try await context.waitUntil(what, timeout: spec.duration.seconds, interval: interval, check)
        } catch let error as LabrunError where error.id == ErrorID.timeout {
            let (message, advice) = await notLanded(error.message)
            throw LabrunError(id: ErrorID.faultNotLanded, exitCode: ExitCode.failure, message: message, advice: advice)
        }
    }

    // MARK: - The container's cgroups

    /// The container's main process (through the runtime) and its cgroups (`Platform.processCgroups`).
    static func locate(_ ref: ActionContext.ContainerRef, context: ActionContext) async throws -> Target {
        let inspect = try await context.runtimeCommand(["docker", "inspect", "--format", "{{.State.Pid}}", ref.id], for: ref, timeout: 30)?.command
            ?? Command("docker", ["inspect", "--format", "{{.State.Pid}}", ref.id], timeout: 30)
        let pid = try await context.runner.check(inspect, what: "Finding the process of \(ref.pod)").standardOutput
            .trimmingCharacters(in: .whitespacesAndNewlines)
        guard let number = Int(pid), number > 0 else {
            throw LabrunError(id: ErrorID.containerNotFound, message: "Container \(ref.name) of pod \(ref.pod) has no running process (the runtime says \"\(ScenarioError.clip(pid))\").")
        }
        let listing = try await context.runner.check(Command("cat", [Platform.processCgroups(pid)], timeout: 10),
                                                     what: "Reading the cgroups of \(ref.pod)").standardOutput
        let hierarchies = parseCgroups(listing)
        guard !hierarchies.isEmpty else {
            throw LabrunError(id: ErrorID.runtimeUnsupported, exitCode: ExitCode.unavailable,
                              message: "stress joins a container's cgroup v1 hierarchies, and the process of \(ref.pod)/\(ref.name) is in none (this host runs cgroup v2 only).",
                              advice: "Run it on the bare cluster of a host with cgroup v1.")
        }
        var target = Target(ref: ref, pid: pid, procs: hierarchies.map { $0.directory + "/cgroup.procs" })
        target.memory = hierarchies.first { $0.controllers.contains("memory") }?.directory
        target.cpuacct = hierarchies.first { $0.controllers.contains("cpuacct") }?.directory
        return target
    }

    /// The v1 hierarchies of a process's cgroup listing (`4:memory:/kubepods/…`, `2:cpu,cpuacct:/…`):
    /// their controllers and their directory on this host. The unified (`0::`) and named (`name=systemd`)
    /// ones are left out, and so is a path that is not plainly under the cgroup root.
    static func parseCgroups(_ listing: String) -> [(controllers: [String], directory: String)] {
        listing.split(separator: "\n").compactMap { line in
            let parts = line.split(separator: ":", maxSplits: 2, omittingEmptySubsequences: false)
            guard parts.count == 3, !parts[1].isEmpty, !parts[1].hasPrefix("name="),
                  parts[2].hasPrefix("/"), !parts[2].split(separator: "/").contains(".."),
                  parts[1].allSatisfy({ $0.isLetter || $0.isNumber || $0 == "," || $0 == "_" }) else { return nil }
            return (parts[1].split(separator: ",").map(String.init), "\(cgroupRoot)/\(parts[1])\(parts[2])")
        }
    }

    /// What the stress is measured against before it starts: the cgroup's OOM kills (memory) or its CPU time in ns (cpu).
    static func counter(_ target: Target, resource: StressAction.Resource, runner: any ProcessRunner) async throws -> UInt64 {
        switch resource {
        case .memory:
            guard let kills = try await oomKills(target.memory ?? "", runner: runner) else { throw notVerifiable(target, "its memory cgroup counts no OOM kills (memory.oom_control)") }
            return kills
        case .cpu:
            guard let cpuacct = target.cpuacct, let used = try await number(cpuacct + "/cpuacct.usage", runner: runner) else {
                throw notVerifiable(target, "its CPU time (cpuacct.usage) could not be read")
            }
            return used
        }
    }

    /// The `oom_kill` count of a memory cgroup's `memory.oom_control`, or nil when it has none.
    static func oomKills(_ memory: String, runner: any ProcessRunner) async throws -> UInt64? {
        let output = try await runner.run(Command("cat", [memory + "/memory.oom_control"], timeout: 10))
        guard output.succeeded else { return nil }
        return output.standardOutput.split(separator: "\n").lazy.compactMap { line -> UInt64? in
            let fields = line.split(separator: " ")
            return fields.count == 2 && fields[0] == "oom_kill" ? UInt64(fields[1]) : nil
        }.first
    }

    /// A cgroup file holding one number, or nil when it cannot be read.
    static func number(_ path: String, runner: any ProcessRunner) async throws -> UInt64? {
        let output = try await runner.run(Command("cat", [path], timeout: 10))
        return output.succeeded ? UInt64(output.standardOutput.trimmingCharacters(in: .whitespacesAndNewlines)) : nil
    }

    /// What the stressor prints once every `cgroup.procs` it wrote lists it (it reads them back at once).
    static let listedEverywhere = "(listed in every cgroup.procs)"

    /// Waits until the stressor's log says it joined and the container's cgroups list its process: as
    /// the stressor read them back right after joining (a fast memory breach can end it, and the
    /// container's cgroups with it, before a poll from here comes: seen in CI on 7 December), or as
    /// read from here.
    static func awaitJoined(_ target: Target, process: any BackgroundProcess, log: String, context: ActionContext) async throws {
        let probe = target.procs.first { $0.contains("/memory/") } ?? target.procs[0]
        do {
            _ = try await context.waitUntil("the stressor to join the cgroups of \(target.name)", timeout: joinWithin, interval: 0.2) {
                let said = (try? String(contentsOfFile: log, encoding: .utf8)) ?? ""
                if let line = said.split(separator: "\n").first(where: { $0.hasPrefix("joined ") }) {
                    if line.hasSuffix(listedEverywhere) { return nil }
                    let pid = String(line.dropFirst("joined ".count).prefix { $0 != " " })
                    let listed = try await context.runner.run(Command("cat", [probe], timeout: 10)).standardOutput
                    return listed.split(separator: "\n").contains { $0 == pid } ? nil : "stressor \(pid) not in \(probe)"
                }
                guard await process.isRunning() else { throw stressorFailed(target, log: said) }
                return "the stressor has not started"
            }
        } catch let error as LabrunError where error.id == ErrorID.timeout {
            throw LabrunError(id: ErrorID.faultNotLanded, exitCode: ExitCode.failure,
                              message: "The stress of \(target.name) did not land: \(error.message)",
                              advice: "Its log is \(log).")
        }
    }

    /// Who the OOM killer hit when the container was not restarted: the stressor, if it ended without
    /// saying it saw the kill (it could not exempt itself, or the container's processes rank below it).
    static func victim(process: any BackgroundProcess, log: String) async -> String {
        let said = (try? String(contentsOfFile: log, encoding: .utf8)) ?? ""
        guard !said.contains("OOM kill seen"), !(await process.isRunning()) else {
            return "the kill did not reach the container's main process"
        }
        return "the OOM killer chose the stressor, not the container's process ("
            + (said.contains("not exempt") ? "the stressor could not exempt itself: no CAP_SYS_RESOURCE" : "the container's processes rank below it") + ")"
    }

    static func stressorFailed(_ target: Target, log: String) -> LabrunError {
        LabrunError(id: ErrorID.actionFailed, exitCode: ExitCode.failure,
                    message: "The stressor of \(target.name) ended before it joined the container's cgroups: \(ScenarioError.clip(log.isEmpty ? "it printed nothing" : log))",
                    advice: "It needs python3 on the node and root (writing cgroup.procs and oom_score_adj).")
    }

    static func notVerifiable(_ target: Target, _ why: String) -> LabrunError {
        LabrunError(id: ErrorID.runtimeUnsupported, exitCode: ExitCode.unavailable,
                    message: "stress cannot verify its effect on \(target.name): \(why).",
                    advice: "Run it on the bare cluster of a host with cgroup v1 (memory and cpuacct controllers).")
    }

    // MARK: - The stressor

    /// `python3 -c <stressor> …`: the stressor, given what to do, how long, and the cgroups to join.
    static func command(_ target: Target, resource: StressAction.Resource, bytes: UInt64?, workers: Int?, seconds: Double) -> Command {
        let size = resource == .memory ? String(bytes ?? 0) : String(workers ?? 1)
        // The command's own timeout is a backstop: the executor stops it after the duration.
        return Command("python3", ["-c", stressor, resource.rawValue, size, String(format: "%.3f", seconds),
                                   (target.memory ?? "-") + "/memory.oom_control", Platform.ownOOMScoreAdjustment] + target.procs,
                       timeout: seconds + restartWithin + joinWithin + 60)
    }

    /// The stressor: standard library Python, run as root on the node. It joins the cgroups first, so
    /// every byte it touches and every cycle it spins is the container's; with `oom_score_adj` -1000
    /// the OOM killer passes it over. Memory: touched a page at a time, the cgroup's `oom_kill` read
    /// every mebibyte, and given back at once when a kill happened (the victim was the container's).
    static let stressor = #"""
import ctypes, mmap, os, sys, time
mode, size, seconds, oom_control, oom_adj, procs = sys.argv[1], int(sys.argv[2]), float(sys.argv[3]), sys.argv[4], sys.argv[5], sys.argv[6:]
for path in procs:
    with open(path, "w") as f:
        f.write(str(os.getpid()))
try:
    with open(oom_adj, "w") as f:
        f.write("-1000")
    print("exempt from the OOM killer", flush=True)
except OSError as error:  # lowering it needs CAP_SYS_RESOURCE
    print("not exempt from the OOM killer:", error, flush=True)
# Checked here, at once: a fast stress can end (an OOM kill seen, the container's cgroups gone with it)
# before anyone else reads cgroup.procs.
missing = [path for path in procs if str(os.getpid()) not in open(path).read().split()]
print("joined", os.getpid(), "(listed in every cgroup.procs)" if not missing else "(not listed in " + ", ".join(missing) + ")", flush=True)
end = time.monotonic() + seconds

def kills():
    try:
        with open(oom_control) as f:
            return int(next(l.split()[1] for l in f if l.startswith("oom_kill ")))
    except (OSError, StopIteration, ValueError):
        return 0

if mode == "memory":
    before = kills()
    block = mmap.mmap(-1, size)
    for offset in range(0, size, 4096):
        block[offset] = 1
        if offset % (1 << 20) == 0 and kills() > before:
            print("OOM kill seen after", offset, "bytes: memory given back", flush=True)
            sys.exit(0)
    print("holding", size, "bytes", flush=True)
    while time.monotonic() < end:
        if kills() > before:
            print("OOM kill seen while holding: memory given back", flush=True)
            sys.exit(0)
        time.sleep(0.1)
else:
    libc = ctypes.CDLL(None)
    for _ in range(size):
        if os.fork() == 0:
            libc.prctl(1, 9)  # PR_SET_PDEATHSIG, SIGKILL: a worker dies with the stressor
            while time.monotonic() < end:
                pass
            os._exit(0)
    print("spinning", size, "workers", flush=True)
    for _ in range(size):
        os.wait()
"""#

    // MARK: - Words

    static func describe(_ spec: StressAction, bytes: UInt64?) -> String {
        switch spec.resource {
        case .cpu: return "cpu: \(spec.workers ?? 1) busy worker(s)"
        case .memory:
            let share = "\(NetworkFaultExecutor.format(percent: spec.percent ?? 100)) % of the memory limit"
            return "memory: " + (bytes.map { "\(mebibytes($0)), \(share)" } ?? share)
        }
    }

    static func mebibytes(_ bytes: UInt64) -> String { String(format: "%.0f MiB", Double(bytes) / 1_048_576) }
    static func seconds(_ nanoseconds: UInt64) -> String { String(format: "%.1f s", Double(nanoseconds) / 1e9) }
}
