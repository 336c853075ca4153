import Foundation
import LabrunCore
import StackModel
import Testing
@testable import ScenarioEngine
@testable import ScenarioModel

/// The JSON Schemas in `specs/` and the Swift validators agree on every file and fixture.
///
/// Valid files pass both; every invalid fixture fails the Swift validator, and also the schema unless
/// its name starts with `semantic-` (rules a JSON Schema cannot express: duplicate step names,
/// references between sections, weights summing to 0, variables captured once, …). Stack fixtures
/// named `yaml-` are problems of the YAML text itself (an alias bomb, an encoding, duplicate keys),
/// which the schema never sees, and are not given to it.
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

    /// Checks `valid` and `invalid` files against `schema` with `schema-check.py`.
    func expectAgreement(schema: String, valid: [String], invalid: [String], test: String) async throws {
        let runner = SystemProcessRunner()
        if let problem = await Self.pythonProblem(runner) {
            if Self.requireIt { Issue.record("cannot check the JSON Schema: \(problem)") }
            else { print("SKIP \(test): \(problem)") }
            return
        }
        let output = try await runner.run(Command(
            "python3", [TestPaths.fixtures + "/schema-check.py", schema] + valid + invalid, timeout: 120))
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

    @Test func schemaAndValidatorAgree() async throws {
        try await expectAgreement(schema: TestPaths.schema, valid: files(TestPaths.scenarios) + files(TestPaths.fixtures + "/valid"),
                                  invalid: files(TestPaths.fixtures + "/invalid"), test: "schemaAndValidatorAgree")
    }

    @Test func stackSchemaAndParserAgree() async throws {
        let invalid = files(TestPaths.fixtures + "/stacks/invalid").filter { !URL(fileURLWithPath: $0).lastPathComponent.hasPrefix("yaml-") }
        try await expectAgreement(schema: TestPaths.stackSchema, valid: [TestPaths.todoStack] + files(TestPaths.fixtures + "/stacks/valid"),
                                  invalid: invalid, test: "stackSchemaAndParserAgree")
    }

    /// Each mapping of the stack schema, by its location, and the keys the parser allows there.
    static let stackMappings: [(location: [String], keys: [String])] = [
        ([], StackKeys.top),
        (["properties", "metadata"], StackKeys.metadata),
        (["$defs", "image"], StackKeys.image),
        (["$defs", "build"], StackKeys.build),
        (["$defs", "build", "properties", "dockerfile"], StackKeys.dockerfile),
        (["$defs", "deploy"], StackKeys.deploy),
        (["$defs", "deploy", "properties", "helm"], StackKeys.helm),
        (["$defs", "deploy", "properties", "overlays"], StackDeploy.providers),
        (["$defs", "workload"], StackKeys.workload),
        (["$defs", "workload", "properties", "service"], StackKeys.service),
        (["$defs", "workload", "properties", "version"], StackKeys.version),
        (["properties", "headers"], StackKeys.headers),
        (["properties", "database"], StackKeys.database),
        (["properties", "database", "properties", "keys"], StackKeys.databaseKeys),
        (["properties", "traffic"], StackKeys.traffic),
        (["properties", "traffic", "properties", "auth"], StackKeys.auth),
        (["properties", "traffic", "properties", "auth", "properties", "bearer"], StackKeys.bearer),
        (["properties", "traffic", "properties", "auth", "properties", "jwt"], StackKeys.jwt),
        (["properties", "traffic", "properties", "isolation"], StackKeys.isolation),
        (["$defs", "operation"], StackKeys.operation),
        (["$defs", "ledger"], StackKeys.ledger),
    ]

    @Test func theStackSchemaAllowsTheKeysTheParserAllows() throws {
        let data = try Data(contentsOf: URL(fileURLWithPath: TestPaths.stackSchema))
        let schema = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        for (location, keys) in Self.stackMappings {
            let object = location.reduce(schema as Any?) { ($0 as? [String: Any])?[$1] } as? [String: Any]
            let properties = try #require(object?["properties"] as? [String: Any], "no mapping at \(location)")
            #expect(Set(properties.keys) == Set(keys), "keys at \(location.joined(separator: "/"))")
            #expect(object?["additionalProperties"] as? Bool == false, "\(location.joined(separator: "/")) allows unknown keys")
        }
        #expect(Set(schema["required"] as? [String] ?? []) == Set(StackKeys.topRequired))
        // Every closed mapping of the schema is in the table above.
        func closedMappings(_ value: Any) -> Int {
            if let array = value as? [Any] { return array.map(closedMappings).reduce(0, +) }
            guard let object = value as? [String: Any] else { return 0 }
            let own = object["additionalProperties"] as? Bool == false ? 1 : 0
            return own + object.values.map(closedMappings).reduce(0, +)
        }
        #expect(closedMappings(schema) == Self.stackMappings.count)
    }
}
