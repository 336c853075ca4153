import Foundation
import KubernetesClient
import LabrunCore
import ScenarioModel

/// `networkFault`: cuts, delays or thins out (random loss) the traffic of a workload's pods, or drops
/// their name lookups, for `duration`, then restores it, by iptables inside each pod's network
/// namespace (the bare provider; a delay holds the packets in a userspace queue, `PacketDelayer`) or
/// by a deny-all NetworkPolicy (cut only). A loss that dropped no packet (its rule's counters, read
/// before it is removed) or a delay that held none did not land. The undo is registered with the
/// run's cleanup while the fault is on.
struct NetworkFaultExecutor: ActionExecutor {
    let spec: NetworkFaultAction

    func execute(in context: ActionContext) async throws -> ActionOutcome {
        let useNetem: Bool
        switch spec.method {
        case .netem:
            try context.requireHostRuntime(reaching: "the pods' network namespaces",
                                           advice: "Run it on the bare provider, or use networkFault with method: networkPolicy (a cut).")
            useNetem = true
        case .networkPolicy: useNetem = false
        case .auto: useNetem = context.provider.kind == .bare
        }
        if useNetem { return try await netemFault(context) }
        guard spec.mode == .cut else {
            throw LabrunError(id: ErrorID.networkFaultUnsupported, exitCode: ExitCode.unavailable,
                              message: "A network fault of mode \(spec.mode.rawValue) needs iptables inside the pods' network namespace, which the \(context.provider.kind) provider does not give; a NetworkPolicy can only cut.")
        }
        return try await policyFault(context)
    }

    /// iptables inside each pod's network namespace (entered through its container's pid).
    func netemFault(_ context: ActionContext) async throws -> ActionOutcome {
        let run = context.run
        let runner = context.runner
        let pods = ActionContext.active(try await context.pods(.workload(spec.workload)))
        guard !pods.isEmpty else { throw LabrunError(id: ErrorID.actionNoTarget, message: "networkFault found no pod of \(spec.workload).") }
        var applied: [(pod: String, pid: String, undo: [[String]], token: Int, delayer: PacketDelayer?)] = []
        /// Removes the fault from every pod it was applied to (rules first, then the delayers, which release what they hold).
        func removeAll() async -> [(packets: Int, meanMilliseconds: Double)?] {
            var figures: [(packets: Int, meanMilliseconds: Double)?] = []
            for item in applied {
                for arguments in item.undo { _ = try? await runner.run(Command("nsenter", ["-t", item.pid, "-n"] + arguments, timeout: 30)) }
                figures.append(await item.delayer?.stop())
                run.cleanup.remove(item.token)
            }
            applied.removeAll()
            return figures
        }
        var lookups: [String: DNSLookup] = [:]
        for pod in pods {
            let ref = try context.dockerContainer(pod, container: nil)
            // The node's engine: this host's for node 1 of the bare cluster, its own for an extra node.
            let inspect = try await context.runtimeCommand(["docker", "inspect", "--format", "{{.State.Pid}}", ref.id], for: ref, timeout: 30)?.command
                ?? Command("docker", ["inspect", "--format", "{{.State.Pid}}", ref.id], timeout: 30)
            let pid = try await runner.check(inspect, what: "Finding the process of \(pod.metadata.name ?? "?")").standardOutput
                .trimmingCharacters(in: .whitespacesAndNewlines)
            if spec.mode == .dns {
                // Verifiable first: a lookup from the pod's namespace must answer before the fault.
                let lookup = try await DNSLookup.make(pid: pid, pod: pod.metadata.name ?? "?", runner: runner)
                guard try await lookup.answers(runner) else {
                    throw Self.dnsNotVerifiable(lookup, "it gets no answer even before the fault")
                }
                lookups[lookup.pod] = lookup
            }
            let name = pod.metadata.name ?? "?"
            let (add, undo) = Self.netemCommands(spec)
            var delayer: PacketDelayer?
            do {
                if spec.mode == .delay {
                    delayer = try await PacketDelayer.start(pid: pid, pod: name, delay: spec.delay?.milliseconds ?? 100, jitter: spec.jitter?.milliseconds ?? 0,
                                                            seconds: spec.duration.seconds, log: try run.logPath("delay-\(name)"), context: context)
                }
                let token = run.cleanup.register("remove the network fault from \(name)", timeout: 30) { [delayer] in
                    for arguments in undo { _ = try? await runner.run(Command("nsenter", ["-t", pid, "-n"] + arguments, timeout: 30)) }
                    _ = await delayer?.stop()
                }
                applied.append((name, pid, undo, token, delayer))
                for arguments in add {
                    let result = try await runner.run(Command("nsenter", ["-t", pid, "-n"] + arguments, timeout: 30))
                    guard result.succeeded else {
                        throw LabrunError(id: ErrorID.actionFailed,
                                          message: "Injecting a network fault into \(name) failed (\(arguments.joined(separator: " "))): \(result.standardError.trimmingCharacters(in: .whitespacesAndNewlines))")
                    }
                }
            } catch {
                if applied.last?.pod != name { _ = await delayer?.stop() }
                _ = await removeAll()
                throw error
            }
        }
        do {
            try await verifyLanded(applied.map { ($0.pod, $0.pid, $0.delayer) }, lookups: lookups, context: context)
        } catch {
            _ = await removeAll()
            throw error
        }
        let landed = run.clock.now()
        run.timeline.record(.action, spec.workload, "\(spec.mode.rawValue) on \(applied.count) pod(s) for \(spec.duration)")
        try await run.clock.sleep(seconds: spec.duration.seconds)
        // A loss rule is a chance, not a wall: what it dropped is read from its counters before it goes.
        var dropped = 0
        if spec.mode == .loss {
            for item in applied {
                for chain in ["INPUT", "OUTPUT"] {
                    let listing = try? await runner.run(Command("nsenter", ["-t", item.pid, "-n", "iptables", "-L", chain, "-v", "-x", "-n"], timeout: 30))
                    dropped += Self.droppedByLossRule(listing?.standardOutput ?? "")
                }
            }
        }
        let names = applied.map(\.pod).joined(separator: ", ")
        let figures = await removeAll()
        run.timeline.record(.recovered, spec.workload, "network fault removed")
        switch spec.mode {
        case .loss:
            guard dropped > 0 else {
                throw LabrunError(id: ErrorID.faultNotLanded, exitCode: ExitCode.failure,
                                  message: "The packet loss on \(names) dropped no packet in \(spec.duration): no traffic went to or from those pods while it was on.",
                                  advice: "Aim it at a workload the load or its neighbours talk to during the step.")
            }
            return ActionOutcome(faultLandedAt: landed, readyAt: run.clock.now(),
                                 message: "\(Self.format(percent: spec.percent ?? 0)) % loss on \(names) for \(spec.duration): \(dropped) packet(s) dropped, then removed")
        case .delay:
            let packets = figures.compactMap { $0?.packets }.reduce(0, +)
            let means = figures.compactMap { $0 }.filter { $0.packets > 0 }
            let mean = means.isEmpty ? 0 : means.map { $0.meanMilliseconds * Double($0.packets) }.reduce(0, +) / Double(max(packets, 1))
            let died = figures.contains { $0 == nil }
            return ActionOutcome(faultLandedAt: landed, readyAt: run.clock.now(),
                                 message: "delay \(spec.delay?.description ?? "100ms") on \(names) for \(spec.duration): \(packets) packet(s) held, "
                                    + String(format: "%.1f ms", mean) + " on average, then removed"
                                    + (died ? " (a delayer ended early, so its packets passed undelayed from then on; its log is in the run's folder)" : ""))
        case .cut, .dns:
            return ActionOutcome(faultLandedAt: landed, readyAt: run.clock.now(),
                                 message: "\(spec.mode.rawValue) on \(names) for \(spec.duration), then removed")
        }
    }

    /// Landed: the rule is in place in every pod's namespace; for dns, lookups get no answer; for a
    /// delay, every delayer has held a packet (within the duration, at most 15 s).
    func verifyLanded(_ applied: [(pod: String, pid: String, delayer: PacketDelayer?)], lookups: [String: DNSLookup],
                      context: ActionContext) async throws {
        let runner = context.runner
        for item in applied {
            let out = try await runner.check(Command("nsenter", ["-t", item.pid, "-n", "iptables", "-S", "OUTPUT"], timeout: 30)).standardOutput
            let expected: String
            switch spec.mode {
            case .delay: expected = "NFQUEUE --queue-num \(PacketDelayer.queue)"
            case .dns: expected = "--dport 53 -j DROP"
            case .loss: expected = "--mode random"
            case .cut: expected = "DROP"
            }
            guard out.contains(expected) else {
                throw LabrunError(id: ErrorID.faultNotLanded, message: "The network fault did not show up in \(item.pod)'s network namespace: \(out)")
            }
            if let lookup = lookups[item.pod], try await lookup.answers(runner) {
                throw LabrunError(id: ErrorID.faultNotLanded, exitCode: ExitCode.failure,
                                  message: "The DNS fault did not land in \(item.pod): \(lookup.said) still got an answer with port 53 dropped.",
                                  advice: "Check the pod's resolver: it may not use the cluster's DNS Service (dnsPolicy), or reach it another way.")
            }
            if let delayer = item.delayer {
                do {
                    _ = try await context.waitUntil("the delayer of \(item.pod) to hold a packet", timeout: min(spec.duration.seconds, 15), interval: 0.2) {
                        delayer.heldAny ? nil : "no packet held"
                    }
                } catch let error as LabrunError where error.id == ErrorID.timeout {
                    throw LabrunError(id: ErrorID.faultNotLanded, exitCode: ExitCode.failure,
                                      message: "The delay of \(item.pod) did not land: its delayer held no packet within \(formatSeconds(min(spec.duration.seconds, 15))) (\(ScenarioError.clip(delayer.said))), so no traffic left the pod.",
                                      advice: "Aim it at a workload that sends while the step runs (a server's answers count).")
                }
            }
        }
    }

    /// Packets the loss rule dropped, from `iptables -L CHAIN -v -x -n` (the first column of its line).
    static func droppedByLossRule(_ listing: String) -> Int {
        listing.split(separator: "\n").filter { $0.contains("statistic mode random") }
            .compactMap { $0.split(separator: " ").first.flatMap { Int($0) } }.reduce(0, +)
    }

    /// `30`, `12.5`: a percentage as written.
    static func format(percent: Double) -> String {
        percent == percent.rounded() ? String(Int(percent)) : String(format: "%g", percent)
    }

    /// The commands (after `nsenter -t PID -n`) that add and remove a fault.
    static func netemCommands(_ spec: NetworkFaultAction) -> (add: [[String]], undo: [[String]]) {
        switch spec.mode {
        case .cut:
            return ([["iptables", "-I", "INPUT", "1", "!", "-i", "lo", "-j", "DROP"],
                     ["iptables", "-I", "OUTPUT", "1", "!", "-o", "lo", "-j", "DROP"]],
                    [["iptables", "-D", "INPUT", "!", "-i", "lo", "-j", "DROP"],
                     ["iptables", "-D", "OUTPUT", "!", "-o", "lo", "-j", "DROP"]])
        case .dns:
            let rules = ["udp", "tcp"].map { ["-p", $0, "--dport", "53", "-j", "DROP"] }
            return (rules.map { ["iptables", "-I", "OUTPUT", "1"] + $0 }, rules.map { ["iptables", "-D", "OUTPUT"] + $0 })
        case .loss:
            let chance = ["-m", "statistic", "--mode", "random", "--probability", String(format: "%.4f", (spec.percent ?? 0) / 100), "-j", "DROP"]
            let rules = [("INPUT", ["!", "-i", "lo"] + chance), ("OUTPUT", ["!", "-o", "lo"] + chance)]
            return (rules.map { ["iptables", "-I", $0.0, "1"] + $0.1 }, rules.map { ["iptables", "-D", $0.0] + $0.1 })
        case .delay:
            // The delay itself is the PacketDelayer's, started before this rule hands it the packets.
            return ([PacketDelayer.rule.add], [PacketDelayer.rule.remove])
        }
    }

    /// A DNS fault that cannot be verified; nothing was changed.
    static func dnsNotVerifiable(_ lookup: DNSLookup, _ why: String) -> LabrunError {
        LabrunError(id: ErrorID.faultNotLanded, exitCode: ExitCode.failure,
                    message: "The DNS fault of \(lookup.pod) cannot be verified (\(lookup.said): \(why)), so it was not applied.",
                    advice: "The lookup runs `dig` (Debian's bind9-dnsutils) in the pod's network namespace against the nameserver of its /etc/resolv.conf.")
    }

    /// A name lookup from inside a pod's network namespace to the pod's own nameserver: how a DNS fault
    /// is verified (it answers before the fault, and gets no answer once port 53 is dropped).
    struct DNSLookup: Sendable {
        var pod: String
        var pid: String
        var nameserver: String
        var name: String
        /// `dig @10.96.0.10 kubernetes.default.svc.cluster.local`, for the report.
        var said: String { "dig @\(nameserver) \(name)" }

        /// Reads the pod's resolver configuration through its process (`Platform.processRoot`).
        static func make(pid: String, pod: String, runner: any ProcessRunner) async throws -> DNSLookup {
            guard runner.which("dig") != nil else {
                throw LabrunError(id: ErrorID.faultNotLanded, exitCode: ExitCode.failure,
                                  message: "The DNS fault of \(pod) cannot be verified without `dig`, so it was not applied.",
                                  advice: "Install Debian's bind9-dnsutils (scripts/install-deps.sh does).")
            }
            let conf = try await runner.check(Command("cat", [Platform.processRoot(pid) + "/etc/resolv.conf"], timeout: 10),
                                              what: "Reading the resolver configuration of \(pod)").standardOutput
            let lines = conf.split(separator: "\n").map { $0.split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init) }
            guard let nameserver = lines.first(where: { $0.first == "nameserver" && $0.count > 1 })?[1] else {
                throw LabrunError(id: ErrorID.faultNotLanded, exitCode: ExitCode.failure,
                                  message: "The DNS fault of \(pod) cannot be verified: its /etc/resolv.conf names no nameserver, so it was not applied.")
            }
            // The cluster's own domain is the last search domain Kubernetes writes (`cluster.local`).
            let domain = lines.last(where: { $0.first == "search" }).flatMap { $0.count > 1 ? $0.last : nil } ?? "cluster.local"
            return DNSLookup(pod: pod, pid: pid, nameserver: nameserver, name: "kubernetes.default.svc.\(domain)")
        }

        /// Whether the lookup gets an answer (dig exits 0; it exits 9 when no server answered).
        func answers(_ runner: any ProcessRunner) async throws -> Bool {
            try await runner.run(Command("nsenter", ["-t", pid, "-n", "dig", "+time=2", "+tries=1", "+short", "@\(nameserver)", name],
                                         timeout: 15)).succeeded
        }
    }

    /// How long a NetworkPolicy gets to be enforced before the cut counts as not landed.
    static let policyLandsWithin = 20.0

    /// A deny-all NetworkPolicy on the workload's pods, verified: a pod of another workload can
    /// connect to a cut pod before the policy and cannot once it exists (`PartitionProbe`). A cut
    /// that cannot be verified — nothing to probe with, or a cluster that does not enforce policies
    /// — is a fault that did not land, and the run ends with that verdict.
    func policyFault(_ context: ActionContext) async throws -> ActionOutcome {
        let namespace = context.namespace
        let run = context.run
        let workload = spec.workload
        let labels = try await context.selectorLabels(of: workload)
        let cut = ActionContext.active(try await context.pods(.workload(workload)))
        guard let target = cut.first(where: \.isReady) ?? cut.first else {
            throw LabrunError(id: ErrorID.actionNoTarget, message: "networkFault found no pod of \(workload).")
        }
        let kubeconfig = try await context.provider.kubeconfig()
        let (probe, why) = try await PartitionProbe.make(cutting: workload, target: target, context: context)
        guard let probe else { throw Self.notVerifiable(workload, why) }
        switch try await probe.attempt(context, kubeconfig: kubeconfig) {
        case .connected: break
        case .refused:
            throw Self.notVerifiable(workload, "pod \(probe.fromPod) cannot reach \(probe.toPod) at \(probe.host):\(probe.port) even before the cut")
        case .cannotProbe(let reason):
            throw Self.notVerifiable(workload, reason)
        }

        let name = "labrun-cut-\(workload)"
        let policy: JSONValue = .object([
            "apiVersion": .string("networking.k8s.io/v1"), "kind": .string("NetworkPolicy"),
            "metadata": .object(["name": .string(name), "namespace": .string(namespace),
                                 "labels": .object(["app.kubernetes.io/managed-by": .string("labrun")])]),
            "spec": .object(["podSelector": .object(["matchLabels": .object(labels.mapValues { .string($0) })]),
                             "policyTypes": .array([.string("Ingress"), .string("Egress")])]),
        ])
        let kube = context.kube
        try await kube.create(.networkPolicies, policy, namespace: namespace)
        let token = run.cleanup.register("delete NetworkPolicy \(name)", timeout: 30) {
            try await kube.delete(.networkPolicies, name: name, namespace: namespace, options: DeleteOptions(ignoreNotFound: true))
        }
        run.timeline.record(.action, workload, "NetworkPolicy \(name) denies all traffic of \(workload); probing from \(probe.fromPod)")
        // Landed: the probe's connection fails. Enforcement takes a moment after the policy is stored.
        let landed: Double
        do {
            landed = try await context.waitUntil("\(probe.fromPod) to be cut off from \(probe.toPod) at \(probe.host):\(probe.port)",
                                                 timeout: Self.policyLandsWithin, interval: 1) {
                switch try await probe.attempt(context, kubeconfig: kubeconfig) {
                case .refused: return nil
                case .connected: return "still connects"
                case .cannotProbe(let reason): throw Self.notVerifiable(workload, reason)
                }
            }
        } catch let error as LabrunError where error.id == ErrorID.timeout {
            try await kube.delete(.networkPolicies, name: name, namespace: namespace, options: DeleteOptions(ignoreNotFound: true))
            run.cleanup.remove(token)
            throw LabrunError(
                id: ErrorID.faultNotLanded, exitCode: ExitCode.failure,
                message: "The NetworkPolicy cut of \(workload) did not land: pod \(probe.fromPod) (\(probe.fromWorkload)) still connected to "
                    + "\(probe.toPod) at \(probe.host):\(probe.port) \(formatSeconds(Self.policyLandsWithin)) after NetworkPolicy \(name) was created, "
                    + "so this cluster's network plugin does not enforce NetworkPolicies.",
                advice: "Use a cluster whose CNI enforces them: labrun's Minikube profile starts with `--cni calico` "
                    + "(delete an older profile with `minikube delete --profile labrun` so it is recreated), kind with Calico or Cilium, "
                    + "or the bare provider (method: netem).")
        }
        run.timeline.record(.faultLanded, workload, "\(probe.fromPod) can no longer connect to \(probe.toPod) at \(probe.host):\(probe.port)", at: landed)
        try await run.clock.sleep(seconds: spec.duration.seconds)
        try await kube.delete(.networkPolicies, name: name, namespace: namespace, options: DeleteOptions(ignoreNotFound: true))
        run.cleanup.remove(token)
        run.timeline.record(.recovered, workload, "NetworkPolicy \(name) removed")
        return ActionOutcome(faultLandedAt: landed, readyAt: run.clock.now(),
                             message: "deny-all NetworkPolicy for \(spec.duration) (verified: \(probe.fromPod) could not connect to "
                                + "\(probe.toPod):\(probe.port)), then removed")
    }

    /// The error for a cut that cannot be verified; nothing was changed.
    static func notVerifiable(_ workload: String, _ why: String) -> LabrunError {
        LabrunError(id: ErrorID.faultNotLanded, exitCode: ExitCode.failure,
                    message: "The NetworkPolicy cut of \(workload) cannot be verified (\(why)), so it was not applied.",
                    advice: "A cut is verified by a pod of another workload connecting to it with python3, nc or bash; "
                        + "give the stack such a pod, or use the bare provider (method: netem).")
    }
}
