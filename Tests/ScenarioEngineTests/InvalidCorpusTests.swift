import Foundation
import Testing
@testable import ScenarioEngine
@testable import ScenarioModel

/// Each file in `Fixtures/invalid/` is rejected with exactly the errors in its `.expected` sidecar.
@Suite struct InvalidCorpusTests {
    static let names = TestPaths.yamlNames(in: "invalid")

    @Test func theCorpusHasAtLeastThirtyFilesEachWithItsExpectedErrors() {
        TestPaths.expectCorpus("invalid", atLeast: 30)
    }

    @Test(arguments: InvalidCorpusTests.names)
    func rejectedWithTheExactErrors(name: String) {
        TestPaths.expectRejected(TestPaths.fixtures + "/invalid/\(name)", shownAs: "invalid/\(name).yaml") { path, shown throws(ScenarioValidationError) in
            _ = try ScenarioLoader(stack: TestStacks.todo).load(file: path, displayPath: shown)
        }
    }

    @Test func loadingTheDirectoryReportsEveryFilesErrorsTogether() {
        do throws(ScenarioValidationError) {
            _ = try ScenarioLoader(stack: TestStacks.todo).load(directory: TestPaths.fixtures + "/invalid", displayPrefix: "invalid")
            Issue.record("the invalid corpus was accepted")
        } catch {
            let files = Set(error.errors.map(\.file))
            #expect(files.count == Self.names.count)
            let labrun = error.labrunError
            #expect(labrun.id == "SCENARIO_INVALID")
            #expect(labrun.exitCode == 65)
            #expect(labrun.message.hasPrefix("Found \(error.errors.count) errors in \(Self.names.count) scenario files; nothing was run:"))
        }
    }
}
