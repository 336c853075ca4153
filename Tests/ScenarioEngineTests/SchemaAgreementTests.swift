import Foundation
import LabrunCore
import Testing
@testable import ScenarioEngine

/// The JSON Schema in `specs/` and the Swift validator agree on every scenario and fixture.
///
/// Valid fixtures and `scenarios/` pass both; every invalid fixture fails the Swift validator, and
/// also the schema unless its name starts with `semantic-` (rules a JSON Schema cannot express:
/// duplicate step names, references to steps, weights summing to 0, the file name, …).
/// Needs `python3` with `jsonschema` and `yaml` (Debian: `python3-jsonschema python3-yaml`).
@Suite struct SchemaAgreementTests {
    /// Why the schema cannot be checked here (no python3, or no jsonschema / PyYAML), or nil when it can.
    static func pythonProblem(_ runner: SystemProcessRunner) async -> String? {
        guard runner.which("python3") != nil else { return "python3 is not installed" }
        let probe = try? await runner.run(Command("python3", ["-c", "import jsonschema, yaml"], timeout: 60))
        return probe?.succeeded == true ? nil : "python3 lacks jsonschema or yaml (install python3-jsonschema python3-yaml)"
    }

    static var requireIt: Bool { ProcessInfo.processInfo.environment["LABRUN_REQUIRE_INTEGRATION"] == "1" }

    func files(_ directory: String) -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? [])
            .filter { $0.hasSuffix(".yaml") }.sorted().map { directory + "/" + $0 }
    }

    @Test func schemaAndValidatorAgree() async throws {
        let runner = SystemProcessRunner()
        if let problem = await Self.pythonProblem(runner) {
            if Self.requireIt { Issue.record("cannot check the JSON Schema: \(problem)") }
            else { print("SKIP schemaAndValidatorAgree: \(problem)") }
            return
        }
        let valid = files(TestPaths.scenarios) + files(TestPaths.fixtures + "/valid")
        let invalid = files(TestPaths.fixtures + "/invalid")
        let output = try await runner.run(Command(
            "python3", [TestPaths.fixtures + "/schema-check.py", TestPaths.schema] + valid + invalid, timeout: 120))
        #expect(output.exitCode == 0, "schema-check.py failed: \(output.standardError)")
        var verdicts: [String: String] = [:]
        for line in output.standardOutput.split(separator: "\n") {
            let parts = line.split(separator: " ", maxSplits: 1)
            guard parts.count == 2 else { continue }
            let rest = String(parts[1])
            let path = rest.components(separatedBy: ": ").first ?? rest
            verdicts[path] = String(line)
        }
        for path in valid {
            #expect(verdicts[path]?.hasPrefix("accept") == true, "the schema rejects a valid file: \(verdicts[path] ?? path)")
        }
        for path in invalid {
            let semantic = URL(fileURLWithPath: path).lastPathComponent.hasPrefix("semantic-")
            let verdict = verdicts[path] ?? "missing \(path)"
            if semantic {
                #expect(verdict.hasPrefix("accept"), "the schema now catches \(path); drop the semantic- prefix: \(verdict)")
            } else {
                #expect(verdict.hasPrefix("reject"), "the schema accepts an invalid file the validator rejects: \(path)")
            }
        }
    }
}
