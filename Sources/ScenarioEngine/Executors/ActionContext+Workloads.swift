import Foundation
import KubernetesClient
import LabrunCore
import ScenarioModel
import StackModel

/// Reading workloads and their pods: selectors, choosing pods, ready counts, rollouts, and the one
/// wait every executor polls with.
extension ActionContext {
    /// The label selector of a workload, by the kind the stack file gives it.
    func selector(of workload: String) async throws -> String {
        Self.selectorString(try await selectorLabels(of: workload))
    }

    /// The `matchLabels` of a workload's selector (Deployment, StatefulSet or DaemonSet, as the stack file says).
    func selectorLabels(of workload: String) async throws -> [String: String] {
        guard let kind = stack.workload(workload)?.kind else {
            throw LabrunError(id: ErrorID.workloadNotFound, exitCode: ExitCode.invalidInput,
                              message: "The stack file \(stack.file) has no workload named \(workload).",
                              advice: "Its workloads are \(stack.workloads.map(\.name).joined(separator: ", ")).")
        }
        let resource = try await kube.resourceType(apiVersion: "apps/v1", kind: kind.rawValue)
        do {
            let object = try await kube.get(resource, name: workload, namespace: namespace)
            guard case .object(let members)? = object.value(at: "spec.selector.matchLabels"), !members.isEmpty else {
                throw LabrunError(id: ErrorID.workloadNoSelector, message: "\(kind.rawValue) \(namespace)/\(workload) has no matchLabels selector.")
            }
            return members.compactMapValues(\.stringValue)
        } catch let error as LabrunError where error.isNotFound {
            throw LabrunError(id: ErrorID.workloadNotFound, exitCode: ExitCode.invalidInput,
                              message: "There is no \(kind.rawValue) named \(workload) in namespace \(namespace).",
                              advice: "Check workloads.\(workload).kind in \(stack.file) against the rendered manifests.")
        }
    }

    /// `a=b,c=d`, sorted by key: labels as a list selector.
    static func selectorString(_ labels: [String: String]) -> String {
        labels.keys.sorted().map { "\($0)=\(labels[$0] ?? "")" }.joined(separator: ",")
    }

    /// The pods an action targets.
    func pods(_ target: PodTarget) async throws -> [Pod] {
        let selector: String
        switch target {
        case .workload(let name): selector = try await self.selector(of: name)
        case .labels(let labels): selector = Self.selectorString(labels)
        }
        return try await kube.list(Pod.self, namespace: namespace, options: ListOptions(labelSelector: selector)).items
    }

    /// Pods not being deleted.
    static func active(_ pods: [Pod]) -> [Pod] { pods.filter { $0.metadata.deletionTimestamp == nil } }

    /// `count` ready pods of `target` chosen by `pick` (what a container fault acts on), or `actionNoTarget`
    /// naming `action` when there are fewer — a fault with nothing to act on did not land.
    func readyPods(_ target: PodTarget, count: Int, pick: PodPick, for action: String) async throws -> [Pod] {
        let candidates = Self.active(try await pods(target)).filter(\.isReady)
        guard candidates.count >= count else {
            throw LabrunError(id: ErrorID.actionNoTarget, message: "\(action) wanted \(count) ready pod(s) of \(target), found \(candidates.count).")
        }
        return Self.choose(candidates, count: count, pick: pick)
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

    /// A workload's controller as the API server has it (Deployment, StatefulSet or DaemonSet, as
    /// the stack file says; a workload the stack file does not name is looked up as a Deployment,
    /// then a StatefulSet).
    func controller(_ workload: String) async throws -> (kind: WorkloadKind, object: JSONValue) {
        if let kind = stack.workload(workload)?.kind {
            let resource = try await kube.resourceType(apiVersion: "apps/v1", kind: kind.rawValue)
            return (kind, try await kube.get(resource, name: workload, namespace: namespace))
        }
        if let deployment = try? await kube.get(.deployments, name: workload, namespace: namespace) {
            return (.deployment, deployment)
        }
        return (.statefulSet, try await kube.get(.statefulSets, name: workload, namespace: namespace))
    }

    /// The HorizontalPodAutoscalers of the run's namespace that scale `workload`, each as one line:
    /// its replicas (current → desired), the metric it sees, and every condition that is not True
    /// with its reason and message (e.g. `ScalingActive False FailedGetResourceMetric: … missing
    /// request for cpu`).
    func autoscalerStates(of workload: String) async throws -> [String] {
        // autoscaling/v2 from Kubernetes 1.23 (v2beta2 gone in 1.26); the status is the same in both.
        let resource: ResourceType
        do { resource = try await kube.resourceType(apiVersion: "autoscaling/v2", kind: "HorizontalPodAutoscaler") } catch {
            resource = try await kube.resourceType(apiVersion: "autoscaling/v2beta2", kind: "HorizontalPodAutoscaler")
        }
        let scalers = try await kube.list(resource, namespace: namespace, as: JSONValue.self).items
        return scalers.filter { $0.value(at: "spec.scaleTargetRef.name")?.stringValue == workload }.map(Self.autoscalerState)
    }

    static func autoscalerState(_ scaler: JSONValue) -> String {
        let name = scaler.value(at: "metadata.name")?.stringValue ?? "?"
        let current = scaler.value(at: "status.currentReplicas")?.intValue ?? 0
        let desired = scaler.value(at: "status.desiredReplicas")?.intValue ?? 0
        // desiredReplicas stays 0 while the autoscaler cannot compute one (ScalingActive False).
        var parts = ["HorizontalPodAutoscaler \(name): " + (desired == 0 ? "\(current) replicas, no desired count" : "\(current) → \(desired) replicas")]
        if case .array(let metrics)? = scaler.value(at: "status.currentMetrics") {
            for metric in metrics {
                if let resource = metric.value(at: "resource.name")?.stringValue,
                   let utilization = metric.value(at: "resource.current.averageUtilization")?.intValue {
                    parts.append("\(resource) at \(utilization) % of requests")
                }
            }
        }
        if case .array(let conditions)? = scaler.value(at: "status.conditions") {
            for condition in conditions where condition.value(at: "status")?.stringValue != "True" {
                parts.append([condition.value(at: "type")?.stringValue, condition.value(at: "status")?.stringValue,
                              condition.value(at: "reason")?.stringValue].compactMap { $0 }.joined(separator: " ")
                             + ": " + (condition.value(at: "message")?.stringValue ?? ""))
            }
        }
        return parts.joined(separator: ", ")
    }

    /// The replicas a workload wants (a DaemonSet: the nodes it should run on) and its kind.
    func desiredReplicas(of workload: String) async throws -> (replicas: Int, kind: WorkloadKind) {
        let (kind, object) = try await controller(workload)
        return (Self.desired(kind, object), kind)
    }

    static func desired(_ kind: WorkloadKind, _ object: JSONValue) -> Int {
        switch kind {
        case .deployment, .statefulSet: return object.value(at: "spec.replicas")?.intValue ?? 1
        case .daemonSet: return object.value(at: "status.desiredNumberScheduled")?.intValue ?? 0
        }
    }

    /// Every desired replica is a ready pod that is not being deleted, and there are no extra pods.
    /// Returns nil when it holds, else what was seen.
    func workloadNotReady(_ workload: String) async throws -> String? {
        let (desired, _) = try await desiredReplicas(of: workload)
        let pods = try await self.pods(.workload(workload))
        let active = Self.active(pods)
        let ready = active.filter(\.isReady).count
        if ready == desired && active.count == desired { return nil }
        return "\(ready)/\(desired) ready, \(active.count) active, \(pods.count - active.count) terminating"
    }

    /// The rollout is finished (as `kubectl rollout status`: the controller saw the latest
    /// generation and every replica is updated and available) and no old pod remains.
    func rolloutNotComplete(_ workload: String) async throws -> String? {
        let (kind, object) = try await controller(workload)
        if let rolling = Self.rolloutPending(kind, object) { return rolling }
        if let seen = try await workloadNotReady(workload) { return seen }
        // Old pods still draining can still answer: the rollout is over when they are gone.
        let all = try await pods(.workload(workload))
        let draining = all.count - Self.active(all).count
        return draining == 0 ? nil : "\(draining) old pod(s) still terminating"
    }

    /// What a controller's status says is still rolling, or nil when its rollout is done.
    static func rolloutPending(_ kind: WorkloadKind, _ object: JSONValue) -> String? {
        func number(_ path: String) -> Int { object.value(at: path)?.intValue ?? 0 }
        let generation = number("metadata.generation")
        guard number("status.observedGeneration") >= generation else { return "generation \(generation) not yet observed" }
        let desired = desired(kind, object)
        switch kind {
        case .deployment:
            let (updated, available, total) = (number("status.updatedReplicas"), number("status.availableReplicas"), number("status.replicas"))
            return updated == desired && available == desired && total == desired
                ? nil : "updated \(updated), available \(available), total \(total) of \(desired)"
        case .statefulSet:
            let current = object.value(at: "status.currentRevision")?.stringValue
            let update = object.value(at: "status.updateRevision")?.stringValue
            let (updated, ready) = (object.value(at: "status.updatedReplicas")?.intValue ?? desired, number("status.readyReplicas"))
            return (update == nil || current == update) && ready == desired && (update == nil || updated == desired)
                ? nil : "StatefulSet \(object.value(at: "metadata.name")?.stringValue ?? "?") still rolling: updated \(updated), ready \(ready) of \(desired)"
        case .daemonSet:
            let (updated, available) = (number("status.updatedNumberScheduled"), number("status.numberAvailable"))
            return updated == desired && available == desired
                ? nil : "updated \(updated), available \(available) of \(desired) node(s)"
        }
    }

    /// Waits for `check` to return nil; returns the time (run clock) it first did.
    func waitUntil(_ what: String, timeout: Double = 3600, interval: Double = 0.25,
                   _ check: @escaping @Sendable () async throws -> String?) async throws -> Double {
        let clock = run.clock
        let limit = OperationTimeout.deadline.map { min(timeout, max(0.1, $0 - clock.now() - 0.3)) } ?? timeout
        return try await Wait(timeout: limit, interval: interval, clock: clock).until(what) { () async throws -> Poll<Double> in
            do {
                if let seen = try await check() { return .pending(seen) }
                return .done(clock.now())
            } catch let error as LabrunError where error.id.hasPrefix(ErrorID.httpPrefix) || error.id == ErrorID.k8sServiceUnavailable {
                return .pending(error.message)   // the API server restarting: keep polling
            }
        }
    }
}
