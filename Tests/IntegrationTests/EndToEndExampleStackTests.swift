import Foundation
import ScenarioEngine
import Testing
import ScenarioModel

/// The example stacks of `examples/`, run for real with no Swift written for them: every scenario
/// beside each stack file must pass, and every broken variant in its `broken/` folder must fail the
/// scenario it names, with a message naming the cause. A new example, scenario or variant is run
/// without further code.
@Suite struct EndToEndExampleStackTests {
    /// `examples/<stack>` and the scenario names beside its stack file.
    static var scenarios: [ExampleCase] {
        EndToEndScenario.exampleStacks.flatMap { stack in
            files(in: EndToEndScenario.projectRoot() + "/" + stack + "/scenarios").map { ExampleCase(stack: stack, file: $0) }
        }
    }

    /// `examples/<stack>` and its broken variants.
    static var variants: [ExampleCase] {
        EndToEndScenario.exampleStacks.flatMap { stack in
            files(in: EndToEndScenario.projectRoot() + "/" + stack + "/broken").map { ExampleCase(stack: stack, file: $0) }
        }
    }

    static func files(in directory: String) -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []).filter { $0.hasSuffix(".yaml") }.sorted()
    }

    /// One scenario or variant file of one example stack.
    struct ExampleCase: Sendable, CustomTestStringConvertible {
        var stack: String
        var file: String
        var name: String { String(file.dropLast(5)) }
        var testDescription: String { "\(stack)/\(file)" }
    }

    @Test(.enabled(if: EndToEndScenario.anyEnabled, EndToEndScenario.skipComment), .timeLimit(.minutes(60)),
          arguments: EndToEndExampleStackTests.scenarios)
    func exampleScenarioPasses(_ example: ExampleCase) async throws {
        guard try await EndToEndScenario.shouldRun(example.name) else { return }
        let result = try await EndToEndScenario.run(example.name, stackPath: example.stack)
        #expect(result.verdict == .passed, "\(example.stack) \(example.name) \(result.verdict.rawValue):\n\(EndToEndScenario.failureText(result))")
        #expect(result.cleanup.allSatisfy { $0.verdict != .failed }, "cleanup of \(example.name) failed")
    }

    @Test(.enabled(if: EndToEndScenario.anyEnabled, EndToEndScenario.skipComment), .timeLimit(.minutes(60)),
          arguments: EndToEndExampleStackTests.variants)
    func brokenExampleFailsForItsCause(_ example: ExampleCase) async throws {
        let variant = try StackVariant.load(file: EndToEndScenario.projectRoot() + "/\(example.stack)/broken/\(example.file)")
        for scenario in variant.scenarios {
            guard try await EndToEndScenario.shouldRun(scenario) else { continue }
            let result = try await EndToEndScenario.run(scenario, variant: variant, stackPath: example.stack)
            let text = EndToEndScenario.failureText(result)
            #expect(result.verdict == .failed, "\(scenario) on variant \(variant.name) should fail but was \(result.verdict.rawValue)")
            for word in variant.expectFailureMentions {
                #expect(text.lowercased().contains(word.lowercased()), "the failure of \(variant.name) does not mention \"\(word)\":\n\(text)")
            }
        }
    }

    /// Each example stack has scenarios and at least one broken variant.
    @Test func everyExampleHasScenariosAndABrokenVariant() {
        #expect(!EndToEndScenario.exampleStacks.isEmpty, "no stack file under examples/: the suite would run nothing")
        for stack in EndToEndScenario.exampleStacks {
            #expect(Self.scenarios.filter { $0.stack == stack }.count >= 3, "\(stack) has fewer than three scenarios")
            #expect(!Self.variants.filter { $0.stack == stack }.isEmpty, "\(stack) has no broken variant")
        }
    }
}
