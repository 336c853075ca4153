import KubernetesClient
import LabrunCore
import ScenarioModel

/// `networkFault`: cuts or delays the traffic of a workload's pods for `duration`, then restores it,
/// by iptables / tc netem inside each pod's network namespace (the bare provider) or by a deny-all
/// NetworkPolicy (cut only). The undo is registered with the run's cleanup while the fault is on.
struct NetworkFaultExecutor: ActionExecutor {
    let spec: NetworkFaultAction

    func execute(in context: ActionContext) async throws -> ActionOutcome {
        let useNetem: Bool
        switch spec.method {
        case .netem: try context.requireHostRuntime(); useNetem = true
        case .networkPolicy: useNetem = false
        case .auto: useNetem = context.provider.kind == .bare
        }
        if useNetem { return try await netemFault(context) }
        guard spec.mode == .cut else {
            throw LabrunError(id: ErrorID.networkFaultUnsupported, exitCode: ExitCode.unavailable,
                              message: "A network delay needs tc netem inside the pods' network namespace, which the \(context.provider.kind) provider does not give; a NetworkPolicy can only cut.")
        }
        return try await policyFault(context)
    }

    /// iptables / tc netem inside each pod's network namespace (entered through its container's pid).
    func netemFault(_ context: ActionContext) async throws -> ActionOutcome {
        let run = context.run
        let runner = context.runner
        let pods = ActionContext.active(try await context.pods(.workload(spec.workload)))
        guard !pods.isEmpty else { throw LabrunError(id: ErrorID.actionNoTarget, message: "networkFault found no pod of \(spec.workload).") }
        var applied: [(pod: String, pid: String, undo: [[String]], token: Int)] = []
        for pod in pods {
            let (_, id, _) = try context.dockerContainerID(pod, container: nil)
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
    func policyFault(_ context: ActionContext) async throws -> ActionOutcome {
        let namespace = context.namespace
        let run = context.run
        let labels = try await context.selectorLabels(of: spec.workload)
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
        let kube = context.kube
        try await kube.create(.networkPolicies, policy, namespace: namespace)
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
