import Foundation
import Testing
@testable import ScenarioEngine
@testable import ScenarioModel

/// Every file in `scenarios/` loads and validates, starts with the schema modeline, and is in the catalogue.
@Suite struct ScenarioFilesTests {
    static let modeline = "# yaml-language-server: $schema=../specs/scenario.schema.json"
    static let coreScenarios = ["chaos-pod-kill", "chaos-rolling-update", "db-persistence-restart", "scale-out-under-load"]

    @Test func everyScenarioFileLoadsAndValidates() throws {
        let scenarios: [Scenario]
        do {
            scenarios = try ScenarioLoader(stack: TestStacks.todo).load(directory: TestPaths.scenarios, displayPrefix: "scenarios")
        } catch {
            Issue.record("scenario files are invalid:\n\(error.description)")
            return
        }
        let names = scenarios.map(\.name)
        for core in Self.coreScenarios { #expect(names.contains(core), "missing core scenario \(core)") }
    }

    @Test func everyScenarioFileStartsWithTheSchemaModeline() throws {
        let files = try FileManager.default.contentsOfDirectory(atPath: TestPaths.scenarios).filter { $0.hasSuffix(".yaml") }
        #expect(!files.isEmpty)
        for file in files {
            let firstLine = TestPaths.read(TestPaths.scenarios + "/" + file).split(separator: "\n", omittingEmptySubsequences: false).first
            #expect(firstLine.map(String.init) == Self.modeline, "\(file) must start with the modeline")
        }
    }

    @Test func everyScenarioIsInTheCatalogue() throws {
        let readme = TestPaths.read(TestPaths.scenarios + "/README.md")
        let files = try FileManager.default.contentsOfDirectory(atPath: TestPaths.scenarios).filter { $0.hasSuffix(".yaml") }
        for file in files {
            #expect(readme.contains("`\(file.dropLast(5))`"), "scenarios/README.md does not list \(file)")
        }
    }
}
