import Foundation
import ScenarioEngine
import Testing
import ScenarioModel

/// Every scenario of `scenarios/`, run for real against the cluster; each must pass.
/// See `EndToEndScenario` for when they run and where the reports go.
@Suite struct EndToEndScenarioTests {
    func expectPass(_ name: String) async throws {
        guard try await EndToEndScenario.shouldRun(name) else { return }
        let result = try await EndToEndScenario.run(name)
        #expect(result.verdict == .passed, "\(name) \(result.verdict.rawValue):\n\(EndToEndScenario.failureText(result))")
        #expect(result.cleanup.allSatisfy { $0.verdict != .failed }, "cleanup of \(name) failed")
    }

    @Test(.enabled(if: EndToEndScenario.enabled("chaos-pod-kill"), EndToEndScenario.skipComment), .timeLimit(.minutes(60)))
    func chaosPodKill() async throws { try await expectPass("chaos-pod-kill") }
    @Test(.enabled(if: EndToEndScenario.enabled("chaos-rolling-update"), EndToEndScenario.skipComment), .timeLimit(.minutes(60)))
    func chaosRollingUpdate() async throws { try await expectPass("chaos-rolling-update") }
    @Test(.enabled(if: EndToEndScenario.enabled("scale-out-under-load"), EndToEndScenario.skipComment), .timeLimit(.minutes(60)))
    func scaleOutUnderLoad() async throws { try await expectPass("scale-out-under-load") }
    @Test(.enabled(if: EndToEndScenario.enabled("autoscale-under-load"), EndToEndScenario.skipComment), .timeLimit(.minutes(60)))
    func autoscaleUnderLoad() async throws { try await expectPass("autoscale-under-load") }
    @Test(.enabled(if: EndToEndScenario.enabled("db-persistence-restart"), EndToEndScenario.skipComment), .timeLimit(.minutes(60)))
    func dbPersistenceRestart() async throws { try await expectPass("db-persistence-restart") }
    @Test(.enabled(if: EndToEndScenario.enabled("cluster-restart"), EndToEndScenario.skipComment), .timeLimit(.minutes(60)))
    func clusterRestart() async throws { try await expectPass("cluster-restart") }
    @Test(.enabled(if: EndToEndScenario.enabled("chaos-network-partition"), EndToEndScenario.skipComment), .timeLimit(.minutes(60)))
    func chaosNetworkPartition() async throws { try await expectPass("chaos-network-partition") }
    @Test(.enabled(if: EndToEndScenario.enabled("chaos-bad-rollout"), EndToEndScenario.skipComment), .timeLimit(.minutes(60)))
    func chaosBadRollout() async throws { try await expectPass("chaos-bad-rollout") }
    @Test(.enabled(if: EndToEndScenario.enabled("user-isolation-under-load"), EndToEndScenario.skipComment), .timeLimit(.minutes(60)))
    func userIsolationUnderLoad() async throws { try await expectPass("user-isolation-under-load") }
    @Test(.enabled(if: EndToEndScenario.enabled("chat-pod-kill"), EndToEndScenario.skipComment), .timeLimit(.minutes(60)))
    func chatPodKill() async throws { try await expectPass("chat-pod-kill") }
    @Test(.enabled(if: EndToEndScenario.enabled("chat-rolling-update"), EndToEndScenario.skipComment), .timeLimit(.minutes(60)))
    func chatRollingUpdate() async throws { try await expectPass("chat-rolling-update") }
    @Test(.enabled(if: EndToEndScenario.enabled("model-provider-outage"), EndToEndScenario.skipComment), .timeLimit(.minutes(60)))
    func modelProviderOutage() async throws { try await expectPass("model-provider-outage") }
    @Test(.enabled(if: EndToEndScenario.enabled("postgres-freeze"), EndToEndScenario.skipComment), .timeLimit(.minutes(60)))
    func postgresFreeze() async throws { try await expectPass("postgres-freeze") }
    @Test(.enabled(if: EndToEndScenario.enabled("dns-outage"), EndToEndScenario.skipComment), .timeLimit(.minutes(60)))
    func dnsOutage() async throws { try await expectPass("dns-outage") }
    @Test(.enabled(if: EndToEndScenario.enabled("lossy-network"), EndToEndScenario.skipComment), .timeLimit(.minutes(60)))
    func lossyNetwork() async throws { try await expectPass("lossy-network") }
    @Test(.enabled(if: EndToEndScenario.enabled("backend-oom"), EndToEndScenario.skipComment), .timeLimit(.minutes(60)))
    func backendOom() async throws { try await expectPass("backend-oom") }
    @Test(.enabled(if: EndToEndScenario.enabled("disk-full"), EndToEndScenario.skipComment), .timeLimit(.minutes(60)))
    func diskFull() async throws { try await expectPass("disk-full") }
    @Test(.enabled(if: EndToEndScenario.enabled("slow-database"), EndToEndScenario.skipComment), .timeLimit(.minutes(60)))
    func slowDatabase() async throws { try await expectPass("slow-database") }
    @Test(.enabled(if: EndToEndScenario.enabled("node-failure"), EndToEndScenario.skipComment), .timeLimit(.minutes(60)))
    func nodeFailure() async throws { try await expectPass("node-failure") }
    @Test(.enabled(if: EndToEndScenario.enabled("node-drain"), EndToEndScenario.skipComment), .timeLimit(.minutes(60)))
    func nodeDrain() async throws { try await expectPass("node-drain") }

    /// Every scenario file has a test above (a new file needs one).
    @Test func everyScenarioFileHasATest() throws {
        let names = try FileManager.default.contentsOfDirectory(atPath: EndToEndScenario.projectRoot() + "/scenarios")
            .filter { $0.hasSuffix(".yaml") }.map { String($0.dropLast(5)) }.sorted()
        #expect(names == ["autoscale-under-load", "backend-oom", "chaos-bad-rollout", "chaos-network-partition", "chaos-pod-kill", "chaos-rolling-update", "chat-pod-kill", "chat-rolling-update", "cluster-restart", "db-persistence-restart", "disk-full", "dns-outage", "lossy-network", "model-provider-outage",
                          "node-drain", "node-failure", "postgres-freeze", "scale-out-under-load", "slow-database", "user-isolation-under-load"])
    }
}
