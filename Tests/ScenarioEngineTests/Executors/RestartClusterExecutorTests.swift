import ClusterProviders
import Foundation
import HTTPClient
import LabrunCore
import LabrunTestSupport
import Testing
@testable import ScenarioEngine
@testable import ScenarioModel

@Suite("RestartClusterExecutor")
struct RestartClusterExecutorTests {
    typealias K = KubeObjects

    /// A provider whose cluster stops and starts: while stopped its API server answers 503.
    final class StoppableProvider: ClusterStopStart, @unchecked Sendable {
        private let lock = NSLock()
        private var running = true
        private var log: [String] = []
        let kind = ProviderKind.minikube

        var isRunning: Bool { lock.withLock { running } }
        var calls: [String] { lock.withLock { log } }
        func detect() async -> ProviderAvailability { .yes("fake") }
        func status() async throws -> ClusterState { ClusterState(phase: isRunning ? .running : .stopped) }
        func create() async throws -> CreateOutcome { .alreadyRunning }
        func kubeconfig() async throws -> KubeconfigTarget { KubeconfigTarget(path: "/dev/null") }
        func destroy(_ outcome: CreateOutcome) async throws {}
        func stopCluster() async throws { lock.withLock { running = false; log.append("stop") } }
        func startCluster() async throws { lock.withLock { running = true; log.append("start") } }
    }

    @Test func stopsWaitsForTheAPIToGoDownStartsAndWaitsForNewContainers() async throws {
        let provider = StoppableProvider()
        let script = HTTPRouteScript([
            "GET /version": [K.answer(["major": "1", "minor": "30", "gitVersion": "v1.30.0"])],
            "GET \(K.pods)": [K.answer(K.list([K.pod("a", containerID: "docker://old")])),
                              K.answer(K.list([K.pod("a", containerID: "docker://old")])),
                              K.answer(K.list([K.pod("a", containerID: "docker://new")]))],
        ])
        var cluster = ExecutorFixture()
        cluster.api = FakeHTTPTransport { request in
            provider.isRunning ? script.answer(request) : .json(503, #"{"kind":"Status","code":503}"#)
        }
        cluster.provider = provider
        let outcome = try await cluster.perform(.restartCluster(RestartClusterAction(downFor: .seconds(30))))
        #expect(provider.calls == ["stop", "start"])
        #expect(outcome.faultLandedAt == 0)
        #expect(outcome.message == "cluster stopped (API down), started again after 30s; API answers, containers recreated")
        #expect(cluster.timeline == ["cluster: stopping the minikube cluster", "cluster: API server down",
                                     "cluster: starting the minikube cluster", "cluster: API server answers",
                                     "cluster: containers recreated"])
    }

    @Test func refusesAProviderThatCannotStopAndStart() async throws {
        let error = await #expect(throws: LabrunError.self) {
            try await ExecutorFixture().perform(.restartCluster(RestartClusterAction()))
        }
        #expect(error?.id == ErrorID.providerCannotRestart)
    }
}
