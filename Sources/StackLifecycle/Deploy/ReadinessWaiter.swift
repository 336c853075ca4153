import Foundation
import KubernetesClient
import LabrunCore

/// Waits, by watching, until every named Deployment, StatefulSet and DaemonSet in a namespace is
/// rolled out (observed, updated, ready or available); on timeout, says which are not and why their
/// pods wait.
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

    public func wait(deployments: Set<String>, statefulSets: Set<String>, daemonSets: Set<String> = []) async throws {
        let board = Board()
        let watches: [@Sendable () async throws -> Void] = [
            { try await self.watchUntilRolledOut(Deployment.self, names: deployments, board: board) },
            { try await self.watchUntilRolledOut(StatefulSet.self, names: statefulSets, board: board) },
            { try await self.watchUntilRolledOut(DaemonSet.self, names: daemonSets, board: board) },
        ]
        try await withThrowingTaskGroup(of: Bool.self) { group in
            for watch in watches {
                group.addTask { try await watch(); return true }
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
                if finished == watches.count {
                    group.cancelAll()
                    try Task.checkCancellation()
                    return
                }
            }
        }
    }

    /// Watches one kind until each of `names` is rolled out (a deleted one counts as pending again).
    private func watchUntilRolledOut<R: RollingOut>(_ type: R.Type, names: Set<String>, board: Board) async throws {
        let prefix = R.resourceType.kind.lowercased()
        for name in names { await board.set("\(prefix)/\(name)", "not seen") }
        var pending = names
        guard !pending.isEmpty else { return }
        for try await event in client.watch(R.self, namespace: namespace) {
            let object = event.object
            guard names.contains(object.name) else { continue }
            await board.set("\(prefix)/\(object.name)", object.rolloutSummary)
            if event.type != .deleted && object.isRolledOut { pending.remove(object.name) } else { pending.insert(object.name) }
            if pending.isEmpty { return }
        }
        try Task.checkCancellation()
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
