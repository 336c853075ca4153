import Foundation
import KubernetesClient
import LabrunCore
import LabrunTestSupport
import Testing
@testable import StackLifecycle

/// The deployer waits for every controller kind a stack may use (issue 16: DaemonSets too).
struct ReadinessWaiterTests {
    static func daemonSet(available: Int, updated: Int, version: String) -> String {
        #"{"apiVersion":"apps/v1","kind":"DaemonSet","metadata":{"name":"agent","namespace":"shop","generation":2,"resourceVersion":"\#(version)"},"#
            + #""status":{"observedGeneration":2,"desiredNumberScheduled":2,"updatedNumberScheduled":\#(updated),"numberAvailable":\#(available)}}"#
    }

    @Test func aDaemonSetIsReadyWhenEveryNodeRunsAnUpdatedAvailablePod() async throws {
        let list = #"{"metadata":{"resourceVersion":"10"},"items":[\#(Self.daemonSet(available: 1, updated: 2, version: "9"))]}"#
        let transport = FakeHTTPTransport(streams: [
            .init(chunks: [#"{"type":"MODIFIED","object":\#(Self.daemonSet(available: 2, updated: 2, version: "11"))}"# + "\n"]),
        ]) { request in
            request.url.contains("/daemonsets") ? .json(200, list) : .json(200, #"{"metadata":{"resourceVersion":"1"},"items":[]}"#)
        }
        let client = try KubernetesClient(configuration: KubernetesConfiguration(server: "https://k8s.test:6443", namespace: "shop"),
                                          http: transport, clock: ManualClock())
        try await ReadinessWaiter(client: client, namespace: "shop", timeout: 30, clock: NeverElapsingClock())
            .wait(deployments: [], statefulSets: [], daemonSets: ["agent"])
        let watched = transport.requests.map(\.url).filter { $0.contains("watch=1") }
        #expect(!watched.isEmpty && watched.allSatisfy { $0.contains("/apis/apps/v1/namespaces/shop/daemonsets") }, "\(transport.requests.map(\.url))")
    }

    @Test func aDaemonSetRollsOutOnlyWhenObservedUpdatedAndAvailableEverywhere() throws {
        func decoded(_ json: String) throws -> DaemonSet { try JSONDecoder().decode(DaemonSet.self, from: Data(json.utf8)) }
        #expect(try decoded(Self.daemonSet(available: 2, updated: 2, version: "1")).isRolledOut)
        #expect(try !decoded(Self.daemonSet(available: 1, updated: 2, version: "1")).isRolledOut)
        #expect(try !decoded(Self.daemonSet(available: 2, updated: 1, version: "1")).isRolledOut)
        let stale = Self.daemonSet(available: 2, updated: 2, version: "1").replacingOccurrences(of: #""observedGeneration":2"#,
                                                                                                 with: #""observedGeneration":1"#)
        #expect(try !decoded(stale).isRolledOut)
        #expect(try decoded(Self.daemonSet(available: 1, updated: 2, version: "1")).rolloutSummary == "1/2 available, 2 updated")
    }
}

/// A clock whose sleeps last until they are cancelled: the waiter's timeout never fires, so only the
/// watch can end the wait (a ManualClock's sleep returns at once and would race the watch).
struct NeverElapsingClock: LabClock {
    func now() -> Double { 0 }
    func wallTime() -> Date { Date(timeIntervalSince1970: 0) }
    func sleep(seconds: Double) async throws {
        while true {
            try Task.checkCancellation()
            await Task.yield()
            try await Task.sleep(nanoseconds: 1_000_000)
        }
    }
}
