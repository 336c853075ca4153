import Foundation
import Testing
@testable import ScenarioEngine

/// Each file in `Fixtures/invalid/` is rejected with exactly the errors in its `.expected` sidecar.
@Suite struct InvalidCorpusTests {
    static let names = TestPaths.yamlNames(in: "invalid")

    @Test func theCorpusHasAtLeastThirtyFilesEachWithItsExpectedErrors() {
        #expect(Self.names.count >= 30)
        for name in Self.names {
            let expected = TestPaths.fixtures + "/invalid/\(name).expected"
            #expect(FileManager.default.fileExists(atPath: expected), "\(name).yaml has no .expected file")
        }
    }

    @Test(arguments: InvalidCorpusTests.names)
    func rejectedWithTheExactErrors(name: String) {
        let path = TestPaths.fixtures + "/invalid/\(name).yaml"
        let expected = TestPaths.read(TestPaths.fixtures + "/invalid/\(name).expected")
            .trimmingCharacters(in: .whitespacesAndNewlines)
        do throws(ScenarioValidationError) {
            _ = try ScenarioLoader(stack: TestStacks.todo).load(file: path, displayPath: "invalid/\(name).yaml")
            Issue.record("invalid/\(name).yaml was accepted; expected:\n\(expected)")
        } catch {
            #expect(error.description == expected)
            #expect(!error.errors.isEmpty)
            for item in error.errors {
                #expect(item.line >= 1 && item.column >= 1)
                #expect(item.file == "invalid/\(name).yaml")
            }
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
