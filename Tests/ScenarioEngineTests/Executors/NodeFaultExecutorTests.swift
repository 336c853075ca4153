import ClusterProviders
import KubernetesClient
import LabrunCore
import LabrunTestSupport
import Testing
@testable import ScenarioEngine
@testable import ScenarioModel

@Suite("NodeFaultExecutor")
struct NodeFaultExecutorTests {
    typealias K = KubeObjects
    static let lease = "/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases/labrun-bare-2"
    static let node = "/api/v1/nodes/labrun-bare-2"

    static func leaseAnswer(_ renew: String) -> HTTPResponse { K.answer(["spec": ["renewTime": .string(renew)]]) }
    static func nodeAnswer(_ ready: String) -> HTTPResponse {
        K.answer(["metadata": ["name": "labrun-bare-2"], "status": ["conditions": [["type": "Ready", "status": .string(ready)]]]])
    }

    /// backend-a and backend-b on the extra node, backend-c on node 1; the lease answers `renewals`
    /// in turn, the node `ready` in turn (the last repeating).
    func fixture(renewals: [String], ready: [String], podsOn: [String] = ["labrun-bare-2", "labrun-bare-2", "labrun-bare"],
                 podAnswers: [HTTPResponse]? = nil) -> ExecutorFixture {
        var cluster = ExecutorFixture(api: [
            "GET \(K.deployments)/backend": [K.answer(K.workload("backend"))],
            "GET \(K.pods)": podAnswers ?? [K.answer(K.list(podsOn.enumerated().map { K.pod("backend-\($0.offset)", node: $0.element) }))],
            "GET \(Self.lease)": renewals.map(Self.leaseAnswer),
            "GET \(Self.node)": ready.map(Self.nodeAnswer),
        ])
        cluster.provider = FakeNodeProvider()
        return cluster
    }

    func stop(_ seconds: Int = 30) -> Action {
        .nodeFault(NodeFaultAction(mode: .stop, node: .nodeOf(.workload("backend")), duration: ScenarioDuration(milliseconds: seconds * 1000)))
    }

    @Test func stopsTheNodeCarryingMostPodsSeesTheLeaseStopAndStartsItAgain() async throws {
        let cluster = fixture(renewals: ["10:00:00"], ready: ["True", "True"] + Array(repeating: "Unknown", count: 35) + ["True"])
        let outcome = try await cluster.perform(stop())
        #expect(cluster.runner.commandLines == ["node stop labrun-bare-2", "node start labrun-bare-2"])
        #expect(outcome.faultLandedAt == 0)
        // The pods never left the node (the fixture's pods stay as they were): not rescheduled, so no replicasReady.
        #expect(outcome.readyAt == nil)
        #expect(outcome.message?.contains("verified: no lease renewal for 15s, then NotReady") == true)
        #expect(outcome.message?.contains("backend's 2 pod(s) on labrun-bare-2 while the node was away (evicted: never") == true)
        #expect(cluster.timeline.contains("node/labrun-bare-2: no lease renewal for 15s: the node is gone for the control plane"))
        #expect(cluster.timeline.contains("node/labrun-bare-2: NotReady (Ready: Unknown)"))
        #expect(cluster.timeline.last == "node/labrun-bare-2: Ready again")
        #expect(cluster.run.cleanup.names.isEmpty, "the start is no longer pending once done")
    }

    /// Kubernetes' view: the pods on the lost node evicted and replaced on node 1 while it is away; the
    /// moment the replacements are Ready is the step's replicasReady, and the timeline has each moment.
    @Test func podsReplacedElsewhereWhileTheNodeIsAwayAreTheStepsReadyTime() async throws {
        let initial = K.list([K.pod("backend-0", node: "labrun-bare-2"), K.pod("backend-1", node: "labrun-bare-2"), K.pod("backend-2", node: "labrun-bare")])
        let evicted = [K.pod("backend-0", ready: false, deleting: true, node: "labrun-bare-2"),
                       K.pod("backend-1", ready: false, deleting: true, node: "labrun-bare-2"), K.pod("backend-2", node: "labrun-bare")]
        let replaced = K.list(evicted + [K.pod("backend-3", node: "labrun-bare"), K.pod("backend-4", node: "labrun-bare")])
        // Chosen, counted before the fault, then seen once a second: unchanged for 10 polls, replaced from then on.
        let cluster = fixture(renewals: ["10:00:00"], ready: ["True", "True"] + Array(repeating: "Unknown", count: 35) + ["True"],
                              podAnswers: Array(repeating: K.answer(initial), count: 12) + [K.answer(replaced)])
        let outcome = try await cluster.perform(stop())
        let ready = try #require(outcome.readyAt)
        #expect(ready > 9 && ready < 30, "replaced while the node was away (\(ready))")
        #expect(outcome.message?.contains("backend's 2 pod(s) on labrun-bare-2 evicted") == true)
        #expect(outcome.message?.contains("3 ready again without the node") == true)
        #expect(cluster.timeline.contains("node/labrun-bare-2: pods of backend on labrun-bare-2 evicted"))
        #expect(cluster.timeline.contains("node/labrun-bare-2: replacement backend-3 of backend scheduled on labrun-bare"))
        #expect(cluster.timeline.contains("node/labrun-bare-2: backend has 3 ready pod(s) again without labrun-bare-2"))
    }

    /// A drain through the API: cordoned (read back), each pod on the node evicted, one refused by a
    /// PodDisruptionBudget (429) asked again the next second, drained once none is left, uncordoned
    /// after the duration; no provider command at all.
    @Test func aDrainCordonsEvictsThroughTheBudgetAndUncordons() async throws {
        let onNode = Self.onNode
        let b0 = K.pod("backend-0", node: "labrun-bare-2"), b1 = K.pod("backend-1", node: "labrun-bare-2")
        let b0Leaving = K.pod("backend-0", ready: false, deleting: true, node: "labrun-bare-2")
        let b1Leaving = K.pod("backend-1", ready: false, deleting: true, node: "labrun-bare-2")
        var cluster = fixture(renewals: ["x"], ready: ["True"])
        let tooMany = Self.tooMany, cordoned = Self.cordoned
        cluster.api = FakeHTTPTransport(HTTPRouteScript([
            "GET \(K.deployments)/backend": [K.answer(K.workload("backend"))],
            "GET \(K.pods)": [K.answer(K.list([b0, b1, K.pod("backend-2", node: "labrun-bare")]))],
            "PATCH \(Self.node)": [cordoned],
            "GET \(Self.node)": [cordoned],
            "GET /api/v1/pods": [onNode([b0, b1]), onNode([b0Leaving, b1]), onNode([b1Leaving]), onNode([])],
            "POST \(K.pods)/backend-0/eviction": [K.answer([:], status: 201)],
            "POST \(K.pods)/backend-1/eviction": [tooMany, K.answer([:], status: 201)],
        ]))
        let drain = Action.nodeFault(NodeFaultAction(mode: .drain, node: .nodeOf(.workload("backend")), duration: .seconds(30)))
        let outcome = try await cluster.perform(drain)
        #expect(cluster.runner.commandLines.isEmpty, "a drain is API calls only")
        let patches = cluster.api.requests.filter { $0.method == .patch }.compactMap { $0.body.flatMap { String(data: $0, encoding: .utf8) } }
        #expect(patches == [#"{"spec":{"unschedulable":true}}"#, #"{"spec":{"unschedulable":false}}"#])
        #expect(cluster.paths(.post) == ["/api/v1/namespaces/lab/pods/backend-0/eviction", "/api/v1/namespaces/lab/pods/backend-1/eviction",
                                         "/api/v1/namespaces/lab/pods/backend-1/eviction"])
        #expect(cluster.paths(.get).contains("/api/v1/pods?fieldSelector=spec.nodeName%3Dlabrun-bare-2"))
        #expect(outcome.faultLandedAt == 0)
        #expect(outcome.message?.hasPrefix("drained node labrun-bare-2: cordoned, 2 pod(s) evicted (1 refusal(s) by a PodDisruptionBudget of lab/backend-1), empty 3.0s after the cordon; uncordoned after 30s") == true,
                "\(outcome.message ?? "")")
        #expect(cluster.timeline.contains("node/labrun-bare-2: eviction of lab/backend-1 refused by a PodDisruptionBudget: asked again each second"))
        #expect(cluster.timeline.contains("node/labrun-bare-2: uncordoned"))
        #expect(cluster.run.cleanup.names.isEmpty, "the uncordon is no longer pending once done")
    }

    /// A drain not done within its duration fails the step once the node is uncordoned, and tells a pod
    /// a budget holds from one evicted but still inside its grace period.
    @Test func aDrainNotDoneInTimeNamesWhatHoldsEachPod() async throws {
        let b0Leaving = K.pod("backend-0", ready: false, deleting: true, node: "labrun-bare-2")
        let b1 = K.pod("backend-1", node: "labrun-bare-2")
        var cluster = fixture(renewals: ["x"], ready: ["True"])
        cluster.api = FakeHTTPTransport(HTTPRouteScript([
            "GET \(K.deployments)/backend": [K.answer(K.workload("backend"))],
            "GET \(K.pods)": [K.answer(K.list([b0Leaving, b1, K.pod("backend-2", node: "labrun-bare")]))],
            "PATCH \(Self.node)": [Self.cordoned],
            "GET \(Self.node)": [Self.cordoned],
            "GET /api/v1/pods": [Self.onNode([b0Leaving, b1])],
            "POST \(K.pods)/backend-1/eviction": [Self.tooMany],
        ]))
        let drain = Action.nodeFault(NodeFaultAction(mode: .drain, node: .nodeOf(.workload("backend")), duration: .seconds(20)))
        let error = await #expect(throws: LabrunError.self) { try await cluster.perform(drain) }
        #expect(error?.message.hasPrefix("The drain of node labrun-bare-2 did not finish within 20s: still there: lab/backend-0 (evicted, still shutting down), lab/backend-1 (") == true,
                "\(error?.message ?? "")")
        #expect(error?.message.hasSuffix("eviction(s) refused by a PodDisruptionBudget). The node is uncordoned again.") == true)
        #expect(cluster.timeline.contains("node/labrun-bare-2: uncordoned"))
        #expect(cluster.run.cleanup.names.isEmpty)
    }

    static let tooMany = HTTPResponse.json(429, #"{"kind":"Status","status":"Failure","reason":"TooManyRequests","code":429,"message":"Cannot evict pod as it would violate the pod's disruption budget."}"#)
    static let cordoned = K.answer(["metadata": ["name": "labrun-bare-2"], "spec": ["unschedulable": true]])

    /// A list of pods across namespaces, each naming its namespace (`lab`).
    static func onNode(_ pods: [JSONValue]) -> HTTPResponse {
        K.answer(K.list(pods.map { pod in
            guard case .object(var object) = pod, case .object(var metadata)? = object["metadata"] else { return pod }
            metadata["namespace"] = "lab"
            object["metadata"] = .object(metadata)
            return .object(object)
        }))
    }

    /// DaemonSet pods and static pods stay, as with `kubectl drain --ignore-daemonsets`.
    @Test func aDrainLeavesDaemonSetAndStaticPods() throws {
        func pod(_ extra: [String: JSONValue]) throws -> Pod {
            var object = K.pod("p", node: "n")
            if case .object(var metadata)? = object["metadata"] {
                for (key, value) in extra { metadata[key] = value }
                object = ["metadata": .object(metadata), "spec": object["spec"] ?? [:], "status": object["status"] ?? [:]]
            }
            return try object.decode(Pod.self)
        }
        #expect(NodeFaultExecutor.evictable(try pod([:])))
        #expect(!NodeFaultExecutor.evictable(try pod(["ownerReferences": [["kind": "DaemonSet", "name": "proxy"]]])))
        #expect(!NodeFaultExecutor.evictable(try pod(["annotations": ["kubernetes.io/config.mirror": "abc"]])))
        #expect(NodeFaultExecutor.evictable(try pod(["ownerReferences": [["kind": "ReplicaSet", "name": "backend-1"]]])))
    }

    @Test func aLeaseStillRenewedMeansTheFaultDidNotLandAndTheNodeIsBroughtBack() async throws {
        let cluster = fixture(renewals: (0..<60).map { "10:00:\($0)" }, ready: ["True"])
        let error = await #expect(throws: LabrunError.self) { try await cluster.perform(stop(20)) }
        #expect(error?.id == ErrorID.faultNotLanded)
        #expect(error?.message.contains("its lease was renewed") == true)
        #expect(cluster.runner.commandLines == ["node stop labrun-bare-2", "node start labrun-bare-2"])
    }

    @Test func noReadyPodOnANodeThatCanBeFaultedIsNothingToActOn() async throws {
        let cluster = fixture(renewals: ["x"], ready: ["True"], podsOn: ["labrun-bare", "labrun-bare"])
        let error = await #expect(throws: LabrunError.self) { try await cluster.perform(stop()) }
        #expect(error?.id == ErrorID.actionNoTarget)
        #expect(error?.message.contains("they run on labrun-bare; on bare, node 1 is this host") == true)
        #expect(cluster.runner.commandLines.isEmpty)
    }

    @Test func aProviderThatCannotFaultNodesIsRefusedBeforeAnythingChanges() async throws {
        var cluster = fixture(renewals: ["x"], ready: ["True"])
        cluster.provider = FakeProvider(kind: .existing)
        let error = await #expect(throws: LabrunError.self) { try await cluster.perform(stop()) }
        #expect(error?.id == ErrorID.runtimeUnsupported)
        #expect(cluster.runner.commandLines.isEmpty)
    }
}
