import Foundation
import KubernetesClient
import LabrunCore

/// One executor per action (an exhaustive `switch`); each verifies its fault landed and says when.
extension ClusterDriver {
    public func perform(_ action: Action, step: String, run: RunContext) async throws -> ActionOutcome {
        switch action {
        case .deletePod(let spec): return try await deletePods(spec, run: run)
        case .killContainer(let spec): return try await killContainers(spec, run: run)
        case .rollingUpdate(let spec): return try await rollingUpdate(spec, run: run)
        case .scale(let spec): return try await scale(spec, run: run)
        case .restartPostgres(let spec): return try await restartPostgres(spec, run: run)
        case .restartCluster(let spec): return try await restartCluster(spec, run: run)
        case .networkFault(let spec): return try await networkFault(spec, run: run)
        case .wait(let spec): return try await wait(spec, run: run)
        case .http(let spec): return try await httpAction(spec, run: run)
        case .collectDiagnostics(let spec):
            let files = await collectDiagnostics(spec, reason: "step \(step)", run: run)
            return ActionOutcome(message: "saved \(files.count) file(s)")
        }
    }

    /// Chooses `count` pods by `pick`.
    static func choose(_ pods: [Pod], count: Int, pick: PodPick) -> [Pod] {
        let sorted = pods.sorted { ($0.metadata.creationTimestamp ?? "", $0.metadata.name ?? "") < ($1.metadata.creationTimestamp ?? "", $1.metadata.name ?? "") }
        switch pick {
        case .oldest: return Array(sorted.prefix(count))
        case .newest: return Array(sorted.suffix(count))
        case .random: return Array(pods.shuffled().prefix(count))
        }
    }

    // MARK: deletePod

    func deletePods(_ spec: DeletePodAction, run: RunContext) async throws -> ActionOutcome {
        let namespace = run.namespace
        let before = Self.active(try await pods(spec.target, namespace: namespace))
        guard before.count >= spec.count else {
            throw LabrunError(id: ErrorID.actionNoTarget, message: "deletePod wanted \(spec.count) pod(s) of \(spec.target) but found \(before.count) running.")
        }
        let victims = Self.choose(before, count: spec.count, pick: spec.pick)
        let grace = spec.force ? 0 : spec.grace.map { Int($0.seconds.rounded()) }
        for pod in victims {
            guard let name = pod.metadata.name else { continue }
            try await kube.delete(Pod.self, name: name, namespace: namespace, options: DeleteOptions(gracePeriodSeconds: grace))
            run.timeline.record(.action, name, spec.force ? "deleted (forced, grace 0)" : "deleted (graceful\(grace.map { ", grace \($0)s" } ?? ""))")
        }
        // Landed: every victim is terminating or gone, and a replacement pod (new UID) exists.
        let oldUIDs = Set(before.compactMap(\.metadata.uid))
        let victimUIDs = Set(victims.compactMap(\.metadata.uid))
        let target = spec.target
        let landed = try await waitUntil("the deleted pod(s) to be replaced by new ones", run: run, timeout: 60) { [self] in
            let now = try await pods(target, namespace: namespace)
            let stillActive = Self.active(now).filter { victimUIDs.contains($0.metadata.uid ?? "") }
            if !stillActive.isEmpty { return "\(stillActive.count) victim(s) not yet terminating" }
            let fresh = now.filter { !oldUIDs.contains($0.metadata.uid ?? "") }
            return fresh.count >= victimUIDs.count ? nil : "\(fresh.count) of \(victimUIDs.count) replacement(s) created"
        }
        let names = victims.compactMap(\.metadata.name).joined(separator: ", ")
        return ActionOutcome(faultLandedAt: landed, message: "deleted \(names); replacement pod(s) with new UID created")
    }

    // MARK: restartPostgres

    func restartPostgres(_ spec: RestartPostgresAction, run: RunContext) async throws -> ActionOutcome {
        let namespace = run.namespace
        guard let database = stack.workload(role: .database)?.name else {
            throw LabrunError(id: ErrorID.actionNoTarget, exitCode: ExitCode.invalidInput,
                              message: "restartPostgres restarts the stack's database, but \(stack.file) gives no workload the role database.")
        }
        let before = Self.active(try await pods(.workload(database), namespace: namespace))
        guard let pod = before.first, let name = pod.metadata.name, let uid = pod.metadata.uid else {
            throw LabrunError(id: ErrorID.actionNoTarget, message: "restartPostgres found no running pod of \(database) in \(namespace).")
        }
        let claims = Self.claimNames(pod)
        if claims.isEmpty {
            run.addLikelyCause("\(database) has no persistent volume (its pod mounts no PersistentVolumeClaim), so its data lives in the pod and is lost when the pod is replaced")
            run.timeline.record(.note, name, "\(database) mounts no PersistentVolumeClaim: its data will not survive the restart")
        }
        try await kube.delete(Pod.self, name: name, namespace: namespace,
                              options: DeleteOptions(gracePeriodSeconds: spec.force ? 0 : nil))
        run.timeline.record(.action, name, "deleted\(spec.force ? " (forced)" : "") keeping \(claims.isEmpty ? "no volume" : claims.joined(separator: ", "))")
        // Landed: the old pod is terminating (the database is going down) — recovery counts from here.
        let landed = try await waitUntil("\(database) pod \(name) to start terminating", run: run, timeout: 60) { [self] in
            do {
                let now = try await kube.get(Pod.self, name: name, namespace: namespace)
                return now.metadata.uid != uid || now.metadata.deletionTimestamp != nil ? nil : "not yet terminating"
            } catch let error as LabrunError where error.isNotFound {
                return nil
            }
        }
        _ = try await waitUntil("\(database) pod \(name) to be replaced (new UID)", run: run, timeout: 180) { [self] in
            do {
                let now = try await kube.get(Pod.self, name: name, namespace: namespace)
                return now.metadata.uid == uid ? "old pod still terminating" : nil
            } catch let error as LabrunError where error.isNotFound {
                return "gone, not yet recreated"
            }
        }
        let ready = try await waitUntil("\(database) pod \(name) to be ready again", run: run, timeout: 300) { [self] in
            let now = try await kube.get(Pod.self, name: name, namespace: namespace)
            return now.isReady && now.metadata.uid != uid ? nil : "not ready"
        }
        let after = try await kube.get(Pod.self, name: name, namespace: namespace)
        let sameClaims = Self.claimNames(after) == claims
        if !sameClaims { throw LabrunError(id: ErrorID.volumeChanged, message: "\(database) came back with volume(s) \(Self.claimNames(after)), not \(claims).") }
        return ActionOutcome(faultLandedAt: landed, readyAt: ready,
                             message: "\(database) pod \(name) replaced (new UID), \(claims.isEmpty ? "no volume" : "same volume " + claims.joined(separator: ", ")), ready")
    }

    static func claimNames(_ pod: Pod) -> [String] {
        (pod.spec?.volumes ?? []).compactMap { $0.value(at: "persistentVolumeClaim.claimName")?.stringValue }.sorted()
    }

    // MARK: rollingUpdate

    func rollingUpdate(_ spec: RollingUpdateAction, run: RunContext) async throws -> ActionOutcome {
        let namespace = run.namespace
        let workload = spec.workload
        let before = try await kube.get(Deployment.self, name: workload, namespace: namespace)
        let generation = before.metadata.generation ?? 0
        let shape = stack.workload(workload)
        let container = shape?.container ?? before.spec?.template?.spec?.containers.first?.name ?? workload
        let replicaSetsBefore = try await replicaSetNames(workload, namespace: namespace)
        // A strategic merge patch merges env entries by name: these are added or replaced.
        let versionEnv = shape?.version.map { [($0.env, spec.toVersion)] } ?? []
        let env = versionEnv + spec.env.sorted { $0.key < $1.key }.map { ($0.key, $0.value) }
        _ = try await kube.patch(Deployment.self, name: workload, namespace: namespace, .strategicMerge([
            "spec": ["template": [
                "metadata": ["annotations": ["labrun.dev/version": .string(spec.toVersion)]],
                "spec": ["containers": [["name": .string(container),
                                         "env": .array(env.map { ["name": .string($0.0), "value": .string($0.1)] })]]],
            ]],
        ]))
        let changes = spec.env.isEmpty ? "" : " with " + spec.env.keys.sorted().joined(separator: ", ") + " changed"
        run.timeline.record(.action, workload, "rolling update to \(spec.toVersion)\(changes) requested")
        let landed = try await waitUntil("a new ReplicaSet of \(workload) for \(spec.toVersion)", run: run, timeout: 60) { [self] in
            let now = try await kube.get(Deployment.self, name: workload, namespace: namespace)
            guard (now.status?.observedGeneration ?? 0) > generation else { return "generation not yet observed" }
            let sets = try await replicaSetNames(workload, namespace: namespace)
            return sets.subtracting(replicaSetsBefore).isEmpty ? "no new ReplicaSet scaled up yet" : nil
        }
        guard spec.wait else { return ActionOutcome(faultLandedAt: landed, message: "rollout to \(spec.toVersion) started") }
        let done = try await waitUntil("the rollout of \(workload) to \(spec.toVersion)", run: run) { [self] in
            try await rolloutNotComplete(workload, namespace: namespace)
        }
        return ActionOutcome(faultLandedAt: landed, readyAt: done,
                             message: "rollout to \(spec.toVersion) started (new ReplicaSet) and finished in \(formatSeconds(done - landed))")
    }

    func replicaSetNames(_ workload: String, namespace: String) async throws -> Set<String> {
        let selector = try await selector(of: workload, namespace: namespace)
        let sets = try await kube.list(.replicaSets, namespace: namespace, options: ListOptions(labelSelector: selector)).items
        return Set(sets.compactMap { set -> String? in
            guard (set.value(at: "spec.replicas")?.intValue ?? 0) > 0 else { return nil }
            return set.value(at: "metadata.name")?.stringValue
        })
    }

    // MARK: scale

    func scale(_ spec: ScaleAction, run: RunContext) async throws -> ActionOutcome {
        let namespace = run.namespace
        let (before, statefulSet) = try await desiredReplicas(of: spec.workload, namespace: namespace)
        let body: KubernetesPatch = .merge(["spec": ["replicas": .number(Double(spec.replicas))]])
        if statefulSet {
            _ = try await kube.patch(StatefulSet.self, name: spec.workload, namespace: namespace, body)
        } else {
            _ = try await kube.patch(Deployment.self, name: spec.workload, namespace: namespace, body)
        }
        run.timeline.record(.action, spec.workload, "scaled \(before) → \(spec.replicas)")
        let workload = spec.workload
        let landed = try await waitUntil("\(workload) to have \(spec.replicas) pod(s)", run: run, timeout: 60) { [self] in
            let active = Self.active(try await pods(.workload(workload), namespace: namespace)).count
            return active == spec.replicas || (spec.replicas > before ? active >= spec.replicas : active <= spec.replicas)
                ? nil : "\(active) pod(s)"
        }
        guard spec.wait else { return ActionOutcome(faultLandedAt: landed, message: "scaled to \(spec.replicas)") }
        let ready = try await waitUntil("\(workload) to have \(spec.replicas) ready replica(s)", run: run) { [self] in
            try await workloadNotReady(workload, namespace: namespace)
        }
        return ActionOutcome(faultLandedAt: landed, readyAt: ready, message: "scaled \(before) → \(spec.replicas), all ready")
    }

    // MARK: wait

    func wait(_ spec: WaitAction, run: RunContext) async throws -> ActionOutcome {
        let namespace = run.namespace
        switch spec {
        case .duration(let length):
            try await run.clock.sleep(seconds: length.seconds)
            return ActionOutcome(message: "waited \(length)")
        case .condition(.workloadReady(let workload)):
            let at = try await waitUntil("\(workload) to have every replica ready", run: run) { [self] in
                try await workloadNotReady(workload, namespace: namespace)
            }
            return ActionOutcome(readyAt: at, message: "\(workload) ready")
        case .condition(.rolloutComplete(let workload)):
            let at = try await waitUntil("the rollout of \(workload) to finish", run: run) { [self] in
                try await rolloutNotComplete(workload, namespace: namespace)
            }
            return ActionOutcome(readyAt: at, message: "\(workload) rolled out")
        case .condition(.http(let check)):
            let assertion = Assertion(.http(HTTPAssertion(check: check)))
            let at = try await waitUntil("\(check.request.method) \(check.request.path) to answer as expected", run: run, interval: 0.5) { [self] in
                let result = await self.check(assertion, run: run)
                return result.verdict == .passed ? nil : result.message
            }
            return ActionOutcome(readyAt: at, message: "\(check.request.method) \(check.request.path) answers")
        }
    }
}
