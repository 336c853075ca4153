import KubernetesClient
import LabrunCore
import Testing
@testable import ScenarioEngine

/// Kubernetes' view of a lost node: eviction, replacement scheduled elsewhere, ready again without it.
@Suite struct NodeLossReschedulingTests {
    typealias K = KubeObjects
    static let lost = "labrun-bare-2"

    func pods(_ objects: [JSONValue]) throws -> [Pod] { try objects.map { try $0.decode(Pod.self) } }

    /// backend-0 and backend-1 on the lost node, backend-2 on node 1.
    func before() throws -> [Pod] {
        try pods([K.pod("backend-0", node: Self.lost), K.pod("backend-1", node: Self.lost), K.pod("backend-2", node: "labrun-bare")])
    }

    @Test func evictionReplacementAndReadinessAreEachNotedOnceInOrder() throws {
        var tracked = NodeLossRescheduling(node: Self.lost, workload: "backend", podsBefore: try before())
        #expect(tracked.wanted == 3 && tracked.onNode == 2)
        // The node is gone but nothing has happened to its pods yet (the kubelet cannot say they died).
        #expect(tracked.observe(try before(), at: 40).isEmpty)
        // Evicted: marked for deletion, still bound to the lost node.
        let evicted = try pods([K.pod("backend-0", ready: false, deleting: true, node: Self.lost),
                                K.pod("backend-1", ready: false, deleting: true, node: Self.lost),
                                K.pod("backend-2", node: "labrun-bare")])
        #expect(tracked.observe(evicted, at: 51) == ["pods of backend on labrun-bare-2 evicted"])
        // Replacements scheduled on node 1, not ready yet.
        let scheduled = try evicted + pods([K.pod("backend-3", ready: false, node: "labrun-bare"), K.pod("backend-4", ready: false, node: "labrun-bare")])
        #expect(tracked.observe(scheduled, at: 52) == ["replacement backend-3 of backend scheduled on labrun-bare"])
        // One ready is not enough: three were ready before.
        let oneReady = try evicted + pods([K.pod("backend-3", node: "labrun-bare"), K.pod("backend-4", ready: false, node: "labrun-bare")])
        #expect(tracked.observe(oneReady, at: 58).isEmpty)
        let allReady = try evicted + pods([K.pod("backend-3", node: "labrun-bare"), K.pod("backend-4", node: "labrun-bare")])
        #expect(tracked.observe(allReady, at: 61) == ["backend has 3 ready pod(s) again without labrun-bare-2"])
        #expect(tracked.observe(allReady, at: 62).isEmpty, "each moment is noted once")
        #expect((tracked.evictedAt, tracked.scheduledAt, tracked.readyAt) == (51, 52, 61))
        #expect(tracked.summary(since: 1) == "backend's 2 pod(s) on labrun-bare-2 evicted 50.0s after the fault, "
                + "replacements scheduled 51.0s after the fault, 3 ready again without the node 1m00s after the fault")
    }

    /// Pods that tolerate an unreachable node for 300 s stay bound to it: nothing replaces them, and the
    /// summary says why.
    @Test func podsNeverEvictedAreNotRescheduledAndTheSummarySaysWhy() throws {
        var tracked = NodeLossRescheduling(node: Self.lost, workload: "backend", podsBefore: try before())
        let notReady = try pods([K.pod("backend-0", ready: false, node: Self.lost), K.pod("backend-1", ready: false, node: Self.lost),
                                 K.pod("backend-2", node: "labrun-bare")])
        for second in 40...90 { #expect(tracked.observe(notReady, at: Double(second)).isEmpty) }
        #expect(tracked.readyAt == nil)
        let summary = tracked.summary(since: 0)
        #expect(summary.hasPrefix("no ready replacement of backend's 2 pod(s) on labrun-bare-2 while the node was away (evicted: never, replacement scheduled: never)"))
        #expect(summary.contains("toleration of node.kubernetes.io/unreachable runs out (300s unless the pod sets tolerationSeconds), so they were not rescheduled"))
    }
}
