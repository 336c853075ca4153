import Foundation
import ScenarioEngine
import Testing

/// The broken stack variants of `Tests/ScenarioEngineTests/Fixtures/broken/`: each deploys the stack
/// with one safeguard removed and runs the scenario that guards it, which must fail with a message
/// naming the cause.
@Suite(.serialized) struct EndToEndScenarioBrokenTests {
    static func variant(_ file: String) throws -> StackVariant {
        try StackVariant.load(file: EndToEndScenario.projectRoot() + "/Tests/ScenarioEngineTests/Fixtures/broken/\(file).yaml")
    }

    func expectFailure(_ file: String) async throws {
        let variant = try Self.variant(file)
        guard try await EndToEndScenario.shouldRun(variant.scenario) else { return }
        let result = try await EndToEndScenario.run(variant.scenario, variant: variant)
        let text = EndToEndScenario.failureText(result)
        #expect(result.verdict == .failed, "\(variant.scenario) on variant \(variant.name) should fail but was \(result.verdict.rawValue)")
        for word in variant.expectFailureMentions {
            #expect(text.lowercased().contains(word.lowercased()), "the failure of \(variant.name) does not mention \"\(word)\":\n\(text)")
        }
    }

    @Test(.enabled(if: EndToEndScenario.enabled("chaos-bad-rollout"), EndToEndScenario.skipComment), .timeLimit(.minutes(15)))
    func backendWithoutReadinessProbeFailsBadRollout() async throws {
        try await expectFailure("backend-without-readiness-probe")
    }

    /// Relies on the bare cluster's endpoint delay (`LABRUN_BARE_ENDPOINT_DELAY`, 1 s): on one node
    /// with no delay the endpoint change beats SIGTERM nearly every time and the race is not seen.
    @Test(.enabled(if: EndToEndScenario.enabled("chaos-rolling-update"), EndToEndScenario.skipComment), .timeLimit(.minutes(15)))
    func backendWithoutPreStopFailsRollingUpdate() async throws {
        try await expectFailure("backend-without-prestop")
    }

    @Test(.enabled(if: EndToEndScenario.enabled("chaos-pod-kill"), EndToEndScenario.skipComment), .timeLimit(.minutes(15)))
    func backendWithLateReadinessFailsPodKill() async throws {
        try await expectFailure("backend-with-late-readiness")
    }

    @Test(.enabled(if: EndToEndScenario.enabled("scale-out-under-load"), EndToEndScenario.skipComment), .timeLimit(.minutes(15)))
    func stickyBackendServiceFailsScaleOut() async throws {
        try await expectFailure("backend-service-with-session-affinity")
    }

    @Test(.enabled(if: EndToEndScenario.enabled("db-persistence-restart"), EndToEndScenario.skipComment), .timeLimit(.minutes(25)))
    func postgresWithoutVolumeFailsPersistence() async throws {
        try await expectFailure("postgres-without-volume")
    }
}
