import ClusterProviders
import KubernetesClient
import LabrunCore
import ScenarioModel

/// `nodeFault`: one node loses power (`stop`) or the network (`cut`) through the provider
/// (`NodeFaults`: bare `cluster/bare/node`, Minikube `minikube node stop`, kind `docker stop` or
/// `docker network disconnect`) for `duration`, then comes back (`start`, `heal`).
///
/// Verified from the API, the way the control plane itself learns it: the node stops renewing its
/// lease (`kube-node-lease/<node>`, renewed every 10 s by a live kubelet that reaches the API
/// server). The lease unchanged for 15 s after the fault is the evidence; a renewal resets the
/// count, and none by the end of `duration` means the fault did not land (it is undone at once).
/// While the fault lasts, and until the node is Ready again after the undo, the node's Ready
/// condition is followed and its changes go on the timeline. The undo is registered with the run's
/// cleanup, so failure, timeout and Ctrl-C bring the node back too.
///
/// With `nodeOf`, Kubernetes' view of the loss is followed too (`NodeLossRescheduling`): the
/// workload's pods on the node evicted, replacements scheduled elsewhere, and its ready count back
/// without the node. That last moment is the step's `readyAt` (`recoveryTime` / `replicasReady`); a
/// workload not rescheduled while the node was away has none, so such an assertion fails.
struct NodeFaultExecutor: ActionExecutor {
    let spec: NodeFaultAction

    /// How long the lease must stay unrenewed (a live kubelet renews it every 10 s).
    static let silenceSeconds = 15.0
    /// How long the node may take to be Ready again after the undo.
    static let readyTimeout = 180.0
    /// How long replacements scheduled while the node was away may take to be Ready after it is back.
    static let replacementTimeout = 60.0

    func execute(in context: ActionContext) async throws -> ActionOutcome {
        let run = context.run
        let clock = run.clock
        let faults = context.provider as? any NodeFaults
        let node: String
        if spec.mode == .drain {
            // Any node the provider does not keep for itself (bare: node 1 carries the control plane and the volumes).
            node = try await chooseNode(context, verb: "drain") { faults?.nodeFaultCommand(.stop, node: $0) != nil || faults == nil }
        } else {
            let fault: NodeFault = spec.mode == .stop ? .stop : .cut
            guard let faults else { throw Self.unsupported("the \(context.provider.kind) provider has no way to \(fault.rawValue) a node") }
            node = try await chooseNode(context, verb: fault.rawValue) { faults.nodeFaultCommand(fault, node: $0) != nil }
        }
        var rescheduling: NodeLossRescheduling?
        if case .nodeOf(let target) = spec.node {
            rescheduling = NodeLossRescheduling(node: node, workload: "\(target)", podsBefore: try await context.pods(target))
        }
        /// Follows the workload's pods (when chosen by one) and puts what changed on the timeline.
        func followPods() async {
            guard var tracked = rescheduling, case .nodeOf(let target) = spec.node,
                  let pods = try? await context.pods(target) else { return }
            for line in tracked.observe(pods, at: clock.now()) { run.timeline.record(.pod, "node/\(node)", line) }
            rescheduling = tracked
        }
        let start = clock.now()
        let (landed, ready, what) = spec.mode == .drain
            ? try await drain(node, context) { await followPods() }
            : try await outage(node, context, faults) { await followPods() }
        // Replacements scheduled while the node was away may be Ready a little after it is back.
        let settle = clock.now() + Self.replacementTimeout
        while let tracked = rescheduling, tracked.scheduledAt != nil, tracked.readyAt == nil, clock.now() < settle {
            try await clock.sleep(seconds: 1)
            await followPods()
        }
        return ActionOutcome(faultLandedAt: landed, readyAt: rescheduling.map(\.readyAt) ?? ready,
                             message: what + (rescheduling.map { "; " + $0.summary(since: start) } ?? ""))
    }

    /// `stop` or `cut` through the provider, verified by the lease, undone after `duration`; the node
    /// Ready again ends it. Returns when it landed, when the node was Ready again, and what happened.
    func outage(_ node: String, _ context: ActionContext, _ faults: (any NodeFaults)?,
                follow: () async -> Void) async throws -> (landed: Double, ready: Double, what: String) {
        let run = context.run
        let clock = run.clock
        let fault: NodeFault = spec.mode == .stop ? .stop : .cut
        guard let command = faults?.nodeFaultCommand(fault, node: node), let undo = faults?.nodeFaultCommand(fault.undo, node: node) else {
            throw Self.unsupported("the \(context.provider.kind) provider cannot \(fault.rawValue) node \(node)")
        }
        let runner = context.runner
        let token = run.cleanup.register("\(fault.undo.rawValue) node \(node)", timeout: 240) { _ = try? await runner.run(undo) }
        let start = clock.now()
        do {
            try await runner.check(command, what: "Trying to \(fault.rawValue) node \(node)")
        } catch {
            _ = try? await runner.run(undo)
            run.cleanup.remove(token)
            throw error
        }
        run.timeline.record(.action, "node/\(node)", fault == .stop ? "stopped (power cut)" : "cut off the network")

        // Landed: the lease stays unrenewed for `silenceSeconds`; the node's Ready changes are followed meanwhile.
        var watch = NodeWatch(node: node)
        var lastRenew = try? await watch.renewTime(context)
        var quietSince = clock.now()
        var landed: Double?
        let end = start + spec.duration.seconds
        while clock.now() < end {
            try await clock.sleep(seconds: 1)
            try await watch.recordReadiness(context)
            await follow()
            if landed == nil {
                let renew = try? await watch.renewTime(context)
                if renew != lastRenew { lastRenew = renew; quietSince = clock.now() }
                if clock.now() - quietSince >= Self.silenceSeconds {
                    landed = start
                    run.timeline.record(.faultLanded, "node/\(node)",
                                        "no lease renewal for \(Int(Self.silenceSeconds))s: the node is gone for the control plane", at: clock.now())
                }
            }
        }
        try await runner.check(undo, what: "Trying to \(fault.undo.rawValue) node \(node) again")
        run.cleanup.remove(token)
        run.timeline.record(.action, "node/\(node)", fault == .stop ? "started" : "healed")
        guard let landed else {
            throw LabrunError(id: ErrorID.faultNotLanded, exitCode: ExitCode.failure,
                              message: "The \(fault.rawValue) of node \(node) did not land: its lease was renewed within every \(Int(Self.silenceSeconds))s of the \(spec.duration) it lasted, so its kubelet still reached the API server. The node is back as it was.",
                              advice: "Check that the provider's \(fault.rawValue) reaches the node (`cluster/bare/node list` on bare) and that the duration is long enough.")
        }
        // Recovered: the node Ready again, as its new kubelet reports it.
        let ready = try await watch.untilReady(context, timeout: Self.readyTimeout) { await follow() }
        guard let ready else {
            throw LabrunError(id: ErrorID.timeout, exitCode: ExitCode.failure,
                              message: "Node \(node) was not Ready again within \(Int(Self.readyTimeout))s of its \(fault.undo.rawValue).",
                              advice: "Read the node's kubelet log (bare: /var/lib/labrun/bare/logs/\(node)/kubelet.log).")
        }
        run.timeline.record(.recovered, "node/\(node)", "Ready again", at: ready)
        return (landed, ready, "\(fault == .stop ? "stopped" : "cut off") node \(node) for \(spec.duration) (verified: no lease renewal for \(Int(Self.silenceSeconds))s\(watch.sawNotReady ? ", then NotReady" : "")), then \(fault == .stop ? "started" : "healed") it; Ready again \(formatSeconds(max(0, ready - start - spec.duration.seconds))) later")
    }

    /// `drain`, as `kubectl drain --ignore-daemonsets` does it through the API: the node cordoned,
    /// every pod on it that is not a DaemonSet's or a static pod's evicted — the API server honours
    /// PodDisruptionBudgets and refuses (429) an eviction one forbids now; that pod is asked again each
    /// second — until none is left there; it stays cordoned until `duration` has passed since the
    /// cordon, then is uncordoned (also in the run's cleanup). Landed: the cordon read back from the
    /// node. The drain not done within `duration` fails the step, naming the pods still there.
    func drain(_ node: String, _ context: ActionContext, follow: () async -> Void) async throws -> (landed: Double, ready: Double, what: String) {
        let run = context.run
        let clock = run.clock
        let kube = context.kube
        @Sendable func cordon(_ on: Bool) async throws {
            _ = try await kube.patch(ResourceType.nodes, name: node, .merge(["spec": ["unschedulable": .bool(on)]]))
        }
        let token = run.cleanup.register("uncordon node \(node)", timeout: 60) { try? await cordon(false) }
        let start = clock.now()
        try await cordon(true)
        guard (try await kube.get(ResourceType.nodes, name: node, as: NodeView.self)).spec?.unschedulable == true else {
            try? await cordon(false)
            run.cleanup.remove(token)
            throw LabrunError(id: ErrorID.faultNotLanded, exitCode: ExitCode.failure,
                              message: "The cordon of node \(node) did not land: the node still reads schedulable after the API accepted it.")
        }
        run.timeline.record(.faultLanded, "node/\(node)", "cordoned: no new pod is scheduled there", at: clock.now())

        var evicted: [String] = []
        var refusals = 0
        var refused: Set<String> = []
        var drainedAt: Double?
        let end = start + spec.duration.seconds
        var left: [Pod] = []
        while drainedAt == nil && clock.now() < end {
            left = try await kube.list(ResourceType.pods, options: ListOptions(fieldSelector: "spec.nodeName=\(node)"), as: Pod.self).items
                .filter(Self.evictable)
            if left.isEmpty { drainedAt = clock.now(); break }
            for pod in left where pod.metadata.deletionTimestamp == nil {
                let name = pod.metadata.name ?? "", namespace = pod.metadata.namespace ?? ""
                do {
                    try await kube.evict(pod: name, namespace: namespace)
                    evicted.append("\(namespace)/\(name)")
                    run.timeline.record(.action, "node/\(node)", "evicted pod \(namespace)/\(name)")
                } catch let error as LabrunError where error.isTooManyRequests {
                    refusals += 1
                    if refused.insert("\(namespace)/\(name)").inserted {
                        run.timeline.record(.note, "node/\(node)", "eviction of \(namespace)/\(name) refused by a PodDisruptionBudget: asked again each second")
                    }
                } catch let error as LabrunError where error.isNotFound {
                    continue
                }
            }
            await follow()
            try await clock.sleep(seconds: 1)
        }
        if let drainedAt { run.timeline.record(.recovered, "node/\(node)", "drained: no pod left to evict", at: drainedAt) }
        while clock.now() < end {
            await follow()
            try await clock.sleep(seconds: 1)
        }
        try await cordon(false)
        run.cleanup.remove(token)
        run.timeline.record(.action, "node/\(node)", "uncordoned")
        guard let drainedAt else {
            // A pod evicted but still shutting down (its grace period) is not the same trouble as one a budget holds.
            let names = left.compactMap { pod in
                pod.metadata.name.map { "\(pod.metadata.namespace ?? "")/\($0)" + (pod.metadata.deletionTimestamp == nil ? "" : " (evicted, still shutting down)") }
            }
            throw LabrunError(id: ErrorID.timeout, exitCode: ExitCode.failure,
                              message: "The drain of node \(node) did not finish within \(spec.duration): still there: \(names.joined(separator: ", "))"
                                + (refusals > 0 ? " (\(refusals) eviction(s) refused by a PodDisruptionBudget)" : "") + ". The node is uncordoned again.",
                              advice: "A PodDisruptionBudget lets the next pod go only once the last one's replacement is Ready elsewhere, and an evicted pod stays until its grace period ends: give the drain a duration longer than those add up to. A budget that allows no disruption (or whose pods never get Ready elsewhere) blocks a drain for good.")
        }
        let refusedText = refusals == 0 ? "none refused" : "\(refusals) refusal(s) by a PodDisruptionBudget of \(refused.sorted().joined(separator: ", "))"
        return (start, drainedAt, "drained node \(node): cordoned, \(evicted.count) pod(s) evicted (\(refusedText)), empty \(formatSeconds(drainedAt - start)) after the cordon; uncordoned after \(spec.duration)")
    }

    /// Whether a drain evicts this pod: not a DaemonSet's (it would come back at once), not a static
    /// pod (its mirror cannot be evicted), not finished.
    static func evictable(_ pod: Pod) -> Bool {
        guard pod.metadata.annotations?["kubernetes.io/config.mirror"] == nil else { return false }
        guard !(pod.metadata.ownerReferences ?? []).contains(where: { $0.kind == "DaemonSet" }) else { return false }
        return pod.phase != "Succeeded" && pod.phase != "Failed"
    }

    /// The named node, or the node `eligible` accepts carrying most ready pods of the target.
    func chooseNode(_ context: ActionContext, verb: String, eligible: (String) -> Bool) async throws -> String {
        switch spec.node {
        case .name(let name):
            guard (try? await context.kube.get(ResourceType.nodes, name: name, as: NodeView.self)) != nil else {
                throw LabrunError(id: ErrorID.actionNoTarget, message: "nodeFault found no node named \(name) in the cluster.")
            }
            return name
        case .nodeOf(let target):
            let pods = ActionContext.active(try await context.pods(target)).filter(\.isReady)
            var counts: [String: Int] = [:]
            for pod in pods { if let node = pod.spec?.nodeName, eligible(node) { counts[node, default: 0] += 1 } }
            guard let chosen = counts.sorted(by: { ($0.value, $1.key) > ($1.value, $0.key) }).first?.key else {
                let nodes = Set(pods.compactMap { $0.spec?.nodeName }).sorted()
                throw LabrunError(id: ErrorID.actionNoTarget,
                                  message: "nodeFault found no ready pod of \(target) on a node the \(context.provider.kind) provider can \(verb)"
                                    + (nodes.isEmpty ? "." : " (they run on \(nodes.joined(separator: ", ")); on bare, node 1 is this host and carries the control plane)."))
            }
            return chosen
        }
    }

    static let leases = ResourceType(group: "coordination.k8s.io", version: "v1", plural: "leases", kind: "Lease", namespaced: true)

    static func unsupported(_ why: String) -> LabrunError {
        LabrunError(id: ErrorID.runtimeUnsupported, exitCode: ExitCode.unavailable,
                    message: "nodeFault cannot act: \(why).",
                    advice: "Use the bare provider with several nodes (cluster/bare/up --nodes 2), kind, or Minikube with several nodes (stop only).")
    }

    /// Follows one node through the API: its lease's renewals and its Ready condition.
    struct NodeWatch {
        let node: String
        var ready: String?
        var sawNotReady = false

        struct LeaseView: Decodable, Sendable { struct Spec: Decodable, Sendable { var renewTime: String? }; var spec: Spec? }

        func renewTime(_ context: ActionContext) async throws -> String? {
            let lease = try await context.kube.get(NodeFaultExecutor.leases, name: node, namespace: "kube-node-lease", as: LeaseView.self)
            return lease.spec?.renewTime
        }

        /// Reads the node's Ready condition and puts a change on the timeline.
        mutating func recordReadiness(_ context: ActionContext) async throws {
            guard let view = try? await context.kube.get(ResourceType.nodes, name: node, as: NodeView.self) else { return }
            let now = view.ready
            if let ready, ready != now {
                context.run.timeline.record(.pod, "node/\(node)", now == "True" ? "Ready" : "NotReady (Ready: \(now))")
            }
            if now != "True" { sawNotReady = true }
            ready = now
        }

        /// The run-clock time the node is Ready again, or nil after `timeout`.
        mutating func untilReady(_ context: ActionContext, timeout: Double, each poll: () async -> Void) async throws -> Double? {
            let clock = context.run.clock
            let deadline = clock.now() + timeout
            while clock.now() < deadline {
                try await recordReadiness(context)
                await poll()
                if ready == "True" { return clock.now() }
                try await clock.sleep(seconds: 1)
            }
            return nil
        }
    }
}
