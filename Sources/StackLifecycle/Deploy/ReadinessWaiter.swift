import Foundation
import KubernetesClient
import LabrunCore

/// Waits, by watching, until every named Deployment and StatefulSet in a namespace is rolled
/// out (observed, updated, available); on timeout, says which are not and why their pods wait.
public struct ReadinessWaiter: Sendable {
    public let client: KubernetesClient
    public let namespace: String
    public let timeout: Double
    public let clock: any LabClock

    public init(client: KubernetesClient, namespace: String, timeout: Double = 300, clock: any LabClock = SystemClock()) {
        self.client = client
        self.namespace = namespace
        self.timeout = timeout
        self.clock = clock
    }

    /// What the watches have seen so far: name → one-line state.
    actor Board {
        var seen: [String: String] = [:]
        func set(_ key: String, _ value: String) { seen[key] = value }
        func summary() -> String { seen.keys.sorted().map { "\($0) \(seen[$0] ?? "")" }.joined(separator: ", ") }
    }

    public func wait(deployments: Set<String>, statefulSets: Set<String>) async throws {
        let board = Board()
        let client = self.client
        let namespace = self.namespace
        for name in deployments { await board.set("deployment/\(name)", "not seen") }
        for name in statefulSets { await board.set("statefulset/\(name)", "not seen") }
        try await withThrowingTaskGroup(of: Bool.self) { group in
            group.addTask {
                var pending = deployments
                guard !pending.isEmpty else { return true }
                for try await event in client.watch(Deployment.self, namespace: namespace) {
                    let d = event.object
                    guard deployments.contains(d.name) else { continue }
                    let s = d.status
                    await board.set("deployment/\(d.name)", "\(s?.readyReplicas ?? 0)/\(d.spec?.replicas ?? 1) ready, \(s?.updatedReplicas ?? 0) updated")
                    if event.type != .deleted && d.isRolledOut { pending.remove(d.name) } else { pending.insert(d.name) }
                    if pending.isEmpty { return true }
                }
                try Task.checkCancellation()
                return true
            }
            group.addTask {
                var pending = statefulSets
                guard !pending.isEmpty else { return true }
                for try await event in client.watch(StatefulSet.self, namespace: namespace) {
                    let s = event.object
                    guard statefulSets.contains(s.name) else { continue }
                    await board.set("statefulset/\(s.name)", "\(s.status?.readyReplicas ?? 0)/\(s.spec?.replicas ?? 1) ready")
                    if event.type != .deleted && s.isRolledOut { pending.remove(s.name) } else { pending.insert(s.name) }
                    if pending.isEmpty { return true }
                }
                try Task.checkCancellation()
                return true
            }
            group.addTask { [clock, timeout] in
                try await clock.sleep(seconds: timeout)
                return false
            }
            var finished = 0
            while let done = try await group.next() {
                if !done {
                    group.cancelAll()
                    let pods = (try? await podProblems()) ?? ""
                    let seen = await board.summary()
                    throw LabrunError.timeout("the stack in namespace \(namespace) to be ready", after: timeout,
                                              lastSeen: seen + (pods.isEmpty ? "" : "; pods: \(pods)"))
                }
                finished += 1
                if finished == 2 {
                    group.cancelAll()
                    try Task.checkCancellation()
                    return
                }
            }
        }
    }

    /// Pods that are not ready, with the reason their containers wait (ImagePullBackOff, CrashLoopBackOff…).
    func podProblems() async throws -> String {
        let pods = try await client.list(Pod.self, namespace: namespace).items
        return pods.filter { !$0.isReady }.map { pod in
            let reasons = (pod.status?.containerStatuses ?? []).compactMap { $0.state?.waiting?.reason ?? $0.state?.terminated?.reason }
            return "\(pod.name) \(pod.phase ?? "?")" + (reasons.isEmpty ? "" : " (\(Set(reasons).sorted().joined(separator: ", ")))")
        }.joined(separator: ", ")
    }
}
