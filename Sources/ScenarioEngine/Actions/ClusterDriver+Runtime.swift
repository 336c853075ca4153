import ClusterProviders
import Foundation
import KubernetesClient
import LabrunCore

/// Faults through the container runtime and the host: killing a container, cutting or delaying a
/// pod's network, stopping and starting the cluster.
extension ClusterDriver {
    /// The Docker container id of a pod's container (`docker://…`), or an error saying why there is none.
    func dockerContainerID(_ pod: Pod, container: String?) throws -> (name: String, id: String, restarts: Int) {
        let statuses = pod.status?.containerStatuses ?? []
        let wanted = container ?? pod.spec?.containers.first?.name
        guard let status = statuses.first(where: { $0.name == wanted }) ?? statuses.first else {
            throw LabrunError(id: ErrorID.containerNotFound, message: "Pod \(pod.metadata.name ?? "?") has no container \(wanted ?? "?") running.")
        }
        guard let raw = status.containerID, raw.hasPrefix("docker://") else {
            throw LabrunError(
                id: ErrorID.runtimeUnsupported, exitCode: ExitCode.unavailable,
                message: "killContainer and networkFault (netem) need the node's container runtime on this host (Docker via dockershim); pod \(pod.metadata.name ?? "?") runs on \(status.containerID?.split(separator: ":").first.map(String.init) ?? "an unknown runtime").",
                advice: "Use the bare provider, or use deletePod / a NetworkPolicy network fault (method: networkPolicy) on this cluster.")
        }
        return (status.name, String(raw.dropFirst("docker://".count)), status.restartCount ?? 0)
    }

    func requireHostRuntime() throws {
        guard provider is any HostAccess, provider.kind == .bare else {
            throw LabrunError(
                id: ErrorID.runtimeUnsupported, exitCode: ExitCode.unavailable,
                message: "This action reaches the node's container runtime from the host, which the \(provider.kind) provider does not offer.",
                advice: "Run it on the bare provider, or use deletePod / networkFault with method: networkPolicy.")
        }
    }

    // MARK: killContainer

    func killContainers(_ spec: KillContainerAction, run: RunContext) async throws -> ActionOutcome {
        try requireHostRuntime()
        let namespace = run.namespace
        let candidates = Self.active(try await pods(spec.target, namespace: namespace)).filter(\.isReady)
        guard candidates.count >= spec.count else {
            throw LabrunError(id: ErrorID.actionNoTarget, message: "killContainer wanted \(spec.count) ready pod(s) of \(spec.target), found \(candidates.count).")
        }
        var targets: [(pod: String, container: String, restarts: Int)] = []
        var killedAt = 0.0
        for pod in Self.choose(candidates, count: spec.count, pick: spec.pick) {
            let (container, id, restarts) = try dockerContainerID(pod, container: spec.container)
            try await runner.check(Command("docker", ["kill", "--signal", spec.signal.rawValue, id], timeout: 30),
                                   what: "Killing container \(container) of pod \(pod.metadata.name ?? "?")")
            killedAt = run.clock.now()
            run.timeline.record(.action, pod.metadata.name ?? "?", "docker kill --signal \(spec.signal.rawValue) \(String(id.prefix(12))) (\(container))")
            targets.append((pod.metadata.name ?? "?", container, restarts))
        }
        // Verified: the kubelet saw the crash and restarted the container (restart count up). The fault
        // itself landed when the runtime killed the process, so recovery is measured from then.
        for target in targets {
            let at = try await waitUntil("the restart count of \(target.pod)/\(target.container) to go above \(target.restarts)", run: run, timeout: 90) { [self] in
                let pod = try await kube.get(Pod.self, name: target.pod, namespace: namespace)
                let count = pod.status?.containerStatuses?.first { $0.name == target.container }?.restartCount ?? 0
                return count > target.restarts ? nil : "restart count \(count)"
            }
            run.timeline.record(.pod, target.pod, "restart count of \(target.container) went above \(target.restarts)", at: at)
        }
        return ActionOutcome(faultLandedAt: killedAt,
                             message: "killed \(targets.map { "\($0.pod)/\($0.container)" }.joined(separator: ", ")); restart count went up")
    }

    // MARK: networkFault

    func networkFault(_ spec: NetworkFaultAction, run: RunContext) async throws -> ActionOutcome {
        let useNetem: Bool
        switch spec.method {
        case .netem: try requireHostRuntime(); useNetem = true
        case .networkPolicy: useNetem = false
        case .auto: useNetem = provider.kind == .bare
        }
        if useNetem { return try await netemFault(spec, run: run) }
        guard spec.mode == .cut else {
            throw LabrunError(id: ErrorID.networkFaultUnsupported, exitCode: ExitCode.unavailable,
                              message: "A network delay needs tc netem inside the pods' network namespace, which the \(provider.kind) provider does not give; a NetworkPolicy can only cut.")
        }
        return try await policyFault(spec, run: run)
    }

    /// iptables / tc netem inside each pod's network namespace (entered through its container's pid).
    func netemFault(_ spec: NetworkFaultAction, run: RunContext) async throws -> ActionOutcome {
        let namespace = run.namespace
        let pods = Self.active(try await pods(.workload(spec.workload), namespace: namespace))
        guard !pods.isEmpty else { throw LabrunError(id: ErrorID.actionNoTarget, message: "networkFault found no pod of \(spec.workload).") }
        var applied: [(pod: String, pid: String, undo: [[String]], token: Int)] = []
        for pod in pods {
            let (_, id, _) = try dockerContainerID(pod, container: nil)
            let pid = try await runner.check(Command("docker", ["inspect", "--format", "{{.State.Pid}}", id], timeout: 30),
                                             what: "Finding the process of \(pod.metadata.name ?? "?")").standardOutput
                .trimmingCharacters(in: .whitespacesAndNewlines)
            let (add, undo) = Self.netemCommands(spec)
            for arguments in add {
                let result = try await runner.run(Command("nsenter", ["-t", pid, "-n"] + arguments, timeout: 30))
                guard result.succeeded else {
                    if result.standardError.contains("qdisc kind is unknown") {
                        throw LabrunError(id: ErrorID.networkFaultUnsupported, exitCode: ExitCode.unavailable,
                                          message: "This host's kernel has no netem queueing discipline (module sch_netem), so a network delay cannot be injected.",
                                          advice: "Load it with `modprobe sch_netem` (on Debian it ships in linux-modules-extra or the full kernel image), or use mode: cut.")
                    }
                    throw LabrunError(id: ErrorID.actionFailed,
                                      message: "Injecting a network fault into \(pod.metadata.name ?? "?") failed (\(arguments.joined(separator: " "))): \(result.standardError.trimmingCharacters(in: .whitespacesAndNewlines))")
                }
            }
            let runner = self.runner
            let name = pod.metadata.name ?? "?"
            let token = run.cleanup.register("remove the network fault from \(name)", timeout: 30) {
                for arguments in undo { _ = try? await runner.run(Command("nsenter", ["-t", pid, "-n"] + arguments, timeout: 30)) }
            }
            applied.append((name, pid, undo, token))
        }
        // Landed: the rule / qdisc is in place in every pod's namespace.
        for item in applied {
            let show = spec.mode == .cut ? ["iptables", "-S", "OUTPUT"] : ["tc", "qdisc", "show", "dev", "eth0"]
            let out = try await runner.check(Command("nsenter", ["-t", item.pid, "-n"] + show, timeout: 30)).standardOutput
            guard out.contains(spec.mode == .cut ? "DROP" : "netem") else {
                throw LabrunError(id: ErrorID.faultNotLanded, message: "The network fault did not show up in \(item.pod)'s network namespace: \(out)")
            }
        }
        let landed = run.clock.now()
        run.timeline.record(.action, spec.workload, "\(spec.mode.rawValue) on \(applied.count) pod(s) for \(spec.duration)")
        try await run.clock.sleep(seconds: spec.duration.seconds)
        for item in applied {
            for arguments in item.undo { _ = try? await runner.run(Command("nsenter", ["-t", item.pid, "-n"] + arguments, timeout: 30)) }
            run.cleanup.remove(item.token)
        }
        run.timeline.record(.recovered, spec.workload, "network fault removed")
        return ActionOutcome(faultLandedAt: landed, readyAt: run.clock.now(),
                             message: "\(spec.mode.rawValue) on \(applied.map(\.pod).joined(separator: ", ")) for \(spec.duration), then removed")
    }

    /// The commands (after `nsenter -t PID -n`) that add and remove a fault.
    static func netemCommands(_ spec: NetworkFaultAction) -> (add: [[String]], undo: [[String]]) {
        switch spec.mode {
        case .cut:
            return ([["iptables", "-I", "INPUT", "1", "!", "-i", "lo", "-j", "DROP"],
                     ["iptables", "-I", "OUTPUT", "1", "!", "-o", "lo", "-j", "DROP"]],
                    [["iptables", "-D", "INPUT", "!", "-i", "lo", "-j", "DROP"],
                     ["iptables", "-D", "OUTPUT", "!", "-o", "lo", "-j", "DROP"]])
        case .delay:
            var netem = ["tc", "qdisc", "add", "dev", "eth0", "root", "netem", "delay", "\(spec.delay?.milliseconds ?? 100)ms"]
            if let jitter = spec.jitter { netem.append("\(jitter.milliseconds)ms") }
            return ([netem], [["tc", "qdisc", "del", "dev", "eth0", "root"]])
        }
    }

    /// A deny-all NetworkPolicy on the workload's pods (only where the cluster enforces policies).
    func policyFault(_ spec: NetworkFaultAction, run: RunContext) async throws -> ActionOutcome {
        let namespace = run.namespace
        let labels = try await selectorLabels(of: spec.workload, namespace: namespace)
        let name = "labrun-cut-\(spec.workload)"
        var matchLabels: [String: String] = [:]
        for (key, value) in labels { matchLabels[key] = value }
        let policy: JSONValue = .object([
            "apiVersion": .string("networking.k8s.io/v1"), "kind": .string("NetworkPolicy"),
            "metadata": .object(["name": .string(name), "namespace": .string(namespace),
                                 "labels": .object(["app.kubernetes.io/managed-by": .string("labrun")])]),
            "spec": .object(["podSelector": .object(["matchLabels": .object(matchLabels.mapValues { .string($0) })]),
                             "policyTypes": .array([.string("Ingress"), .string("Egress")])]),
        ])
        try await kube.create(.networkPolicies, policy, namespace: namespace)
        let kube = self.kube
        let token = run.cleanup.register("delete NetworkPolicy \(name)", timeout: 30) {
            try await kube.delete(.networkPolicies, name: name, namespace: namespace, options: DeleteOptions(ignoreNotFound: true))
        }
        let landed = run.clock.now()
        run.timeline.record(.action, spec.workload, "NetworkPolicy \(name) denies all traffic for \(spec.duration) (only where the cluster enforces policies)")
        try await run.clock.sleep(seconds: spec.duration.seconds)
        try await kube.delete(.networkPolicies, name: name, namespace: namespace, options: DeleteOptions(ignoreNotFound: true))
        run.cleanup.remove(token)
        run.timeline.record(.recovered, spec.workload, "NetworkPolicy \(name) removed")
        return ActionOutcome(faultLandedAt: landed, readyAt: run.clock.now(), message: "deny-all NetworkPolicy for \(spec.duration), then removed")
    }
}
