import Foundation
import ScenarioEngine
import Testing
import ScenarioModel

/// The broken stack variants of `Tests/ScenarioEngineTests/Fixtures/broken/`: each deploys the stack
/// with one safeguard removed and runs the scenario that guards it, which must fail with a message
/// naming the cause.
@Suite struct EndToEndScenarioBrokenTests {
    static let directory = EndToEndScenario.projectRoot() + "/Tests/ScenarioEngineTests/Fixtures/broken"

    /// Every variant file (a new one is run without further code).
    static var files: [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []).filter { $0.hasSuffix(".yaml") }.sorted()
    }

    /// One case per variant, side by side with the other end-to-end tests (see `EndToEndGate`). `backend-without-prestop` relies on the bare cluster's
    /// endpoint delay (`LABRUN_BARE_ENDPOINT_DELAY`, 1 s): on one node with no delay the endpoint
    /// change beats SIGTERM nearly every time and the race is not seen.
    @Test(.enabled(if: EndToEndScenario.anyEnabled, EndToEndScenario.skipComment), .timeLimit(.minutes(60)),
          arguments: EndToEndScenarioBrokenTests.files)
    func brokenStackFailsTheScenarioThatGuardsIt(file: String) async throws {
        let variant = try StackVariant.load(file: Self.directory + "/" + file)
        guard try await EndToEndScenario.shouldRun(variant.scenario) else { return }
        let result = try await EndToEndScenario.run(variant.scenario, variant: variant)
        let text = EndToEndScenario.failureText(result)
        #expect(result.verdict == .failed, "\(variant.scenario) on variant \(variant.name) should fail but was \(result.verdict.rawValue)")
        for word in variant.expectFailureMentions {
            #expect(text.lowercased().contains(word.lowercased()), "the failure of \(variant.name) does not mention \"\(word)\":\n\(text)")
        }
    }

    @Test func everyVariantIsFound() {
        #expect(Self.files.count == 8, "\(Self.files)")
    }
}
