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

    @Test(.enabled(if: EndToEndScenario.enabled("chaos-rolling-update"), EndToEndScenario.skipComment), .timeLimit(.minutes(15)))
    func backendWithoutReadinessProbeFailsRollingUpdate() async throws {
        try await expectFailure("backend-without-readiness-probe")
    }

    /// Disabled, and shown as skipped: in a full serial run on this machine the variant served the
    /// whole rollout with no failed request (it failed with 62 errors only when other scenarios
    /// loaded the machine), so it does not yet prove what it should. The variant must make the
    /// window between SIGTERM and endpoint removal visible before this test is trusted again.
    @Test(.disabled("the no-preStop variant does not yet fail reliably: it passed a serial full run with 0 failed requests"),
          .timeLimit(.minutes(15)))
    func backendWithoutPreStopFailsRollingUpdate() async throws {
        try await expectFailure("backend-without-prestop")
    }

    @Test(.enabled(if: EndToEndScenario.enabled("db-persistence-restart"), EndToEndScenario.skipComment), .timeLimit(.minutes(25)))
    func postgresWithoutVolumeFailsPersistence() async throws {
        try await expectFailure("postgres-without-volume")
    }
}
