import Foundation
import Testing
@testable import ScenarioEngine
@testable import ScenarioModel

/// Paths of the repository and the fixtures, found from this file's location (no working-directory assumptions).
enum TestPaths {
    /// `Tests/ScenarioEngineTests`.
    static let testsDirectory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().path
    /// The repository root (where Package.swift is).
    static let repositoryRoot = URL(fileURLWithPath: testsDirectory).deletingLastPathComponent().deletingLastPathComponent().path
    static let fixtures = testsDirectory + "/Fixtures"
    static let scenarios = repositoryRoot + "/scenarios"
    static let schema = repositoryRoot + "/specs/scenario.schema.json"
    static let stackSchema = repositoryRoot + "/specs/stack.schema.json"
    /// The todo stack's own stack file.
    static let todoStack = repositoryRoot + "/stack/labrun.yaml"

    /// The names (without `.yaml`) of the YAML files in a fixtures subdirectory, sorted.
    static func yamlNames(in subdirectory: String) -> [String] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: fixtures + "/" + subdirectory)) ?? []
        return names.filter { $0.hasSuffix(".yaml") }.map { String($0.dropLast(5)) }.sorted()
    }

    static func read(_ path: String) -> String {
        (try? String(contentsOfFile: path, encoding: .utf8)) ?? ""
    }

    /// A fixtures subdirectory holds at least `count` YAML files, each with its `.expected` sidecar.
    static func expectCorpus(_ subdirectory: String, atLeast count: Int) {
        let names = yamlNames(in: subdirectory)
        #expect(names.count >= count, "\(subdirectory) has \(names.count) files")
        for name in names {
            #expect(FileManager.default.fileExists(atPath: "\(fixtures)/\(subdirectory)/\(name).expected"), "\(name).yaml has no .expected file")
        }
        print("\(subdirectory): \(names.count) invalid files, each refused with its exact errors")
    }

    /// `<base>.yaml` is rejected with exactly the errors in `<base>.expected`, each located in `shownAs`.
    static func expectRejected(_ base: String, shownAs shown: String,
                               _ load: (String, String) throws(ScenarioValidationError) -> Void) {
        let expected = read(base + ".expected").trimmingCharacters(in: .whitespacesAndNewlines)
        do throws(ScenarioValidationError) {
            try load(base + ".yaml", shown)
            Issue.record("\(shown) was accepted; expected:\n\(expected)")
        } catch {
            #expect(error.description == expected)
            #expect(!error.errors.isEmpty)
            for item in error.errors {
                #expect(item.line >= 1 && item.column >= 1)
                #expect(item.file == shown)
            }
        }
    }
}
