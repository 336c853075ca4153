import Foundation
import ScenarioEngine
import Testing
import ScenarioModel

/// The broken stack variants of `Tests/ScenarioEngineTests/Fixtures/broken/`: each deploys the stack
/// with one safeguard removed and runs the scenario that guards it, which must fail with a message
/// naming the cause.
@Suite struct EndToEndScenarioBrokenTests {
    static let directory = EndToEndScenario.projectRoot() + "/Tests/ScenarioEngineTests/Fixtures/broken"

    /// One run: a variant file and one of the scenarios it must make fail.
    struct BrokenCase: Sendable, CustomTestStringConvertible {
        var file: String
        var scenario: String
        var testDescription: String { "\(file) → \(scenario)" }
    }

    /// Every variant file (a new one is run without further code).
    static var files: [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []).filter { $0.hasSuffix(".yaml") }.sorted()
    }

    /// Every (variant, scenario) pair the fixtures name.
    static var cases: [BrokenCase] {
        files.flatMap { file in
            ((try? StackVariant.load(file: directory + "/" + file))?.scenarios ?? [""]).map { BrokenCase(file: file, scenario: $0) }
        }
    }

    /// One case per variant and scenario, side by side with the other end-to-end tests (see `EndToEndGate`). `backend-without-prestop` relies on the bare cluster's
    /// endpoint delay (`LABRUN_BARE_ENDPOINT_DELAY`, 1 s): on one node with no delay the endpoint
    /// change beats SIGTERM nearly every time and the race is not seen.
    @Test(.enabled(if: EndToEndScenario.anyEnabled, EndToEndScenario.skipComment), .timeLimit(.minutes(60)),
          arguments: EndToEndScenarioBrokenTests.cases)
    func brokenStackFailsTheScenarioThatGuardsIt(_ broken: BrokenCase) async throws {
        let variant = try StackVariant.load(file: Self.directory + "/" + broken.file)
        guard try await EndToEndScenario.shouldRun(broken.scenario) else { return }
        let result = try await EndToEndScenario.run(broken.scenario, variant: variant)
        let text = EndToEndScenario.failureText(result)
        #expect(result.verdict == .failed, "\(broken.scenario) on variant \(variant.name) should fail but was \(result.verdict.rawValue)")
        for word in variant.expectFailureMentions {
            #expect(text.lowercased().contains(word.lowercased()), "the failure of \(variant.name) in \(broken.scenario) does not mention \"\(word)\":\n\(text)")
        }
    }
}
