import Foundation
import LabrunCore
import Testing
@testable import ScenarioEngine
@testable import ScenarioModel

/// The hostile corpus (issue 13): inputs an attacker or a careless user might give the scenario and
/// stack loaders. Every one gets a located, printable error with id SCENARIO_INVALID / STACK_INVALID
/// and exit code 65, or is accepted for the reason its fixture states; none crashes, hangs or echoes
/// a control character. The plain-YAML cases are committed in `Fixtures/hostile/scenarios/` (their `.expected`
/// holds the exact errors, or `accepted: <why>`); the rest are made at test time (`HostileCases`).
/// `labrun-bench hostile` prints the time and memory of the worst (no test here is timed).
@Suite struct HostileCorpusTests {
    static let scenarios = TestPaths.yamlNames(in: "hostile/scenarios")
    static let generated = HostileCases.all.map(\.name)

    @Test func theCorpusHoldsOverAHundredCasesInEveryClass() throws {
        #expect(Set(Self.generated).count == Self.generated.count, "two generated cases share a name")
        var classes: [String: Int] = [:]
        for name in Self.scenarios {
            let header = TestPaths.read(TestPaths.fixtures + "/hostile/scenarios/\(name).yaml").split(separator: "\n").first ?? ""
            let kind = header.hasPrefix("# hostile: ") ? header.dropFirst("# hostile: ".count).split(separator: ":").first.map(String.init) : nil
            #expect(kind != nil, "\(name).yaml does not start with '# hostile: <class>: <what>'")
            classes[kind ?? "?", default: 0] += 1
        }
        for item in HostileCases.all { classes[item.kind, default: 0] += 1 }
        let total = classes.values.reduce(0, +)
        print("hostile corpus: \(total) cases: " + classes.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", "))
        #expect(total >= 100)
        for kind in ["encodings", "sizes", "bombs", "numbers", "durations", "injections", "structure", "files"] {
            #expect((classes[kind] ?? 0) >= 3, "class \(kind) has \(classes[kind] ?? 0) cases")
        }
        TestPaths.expectCorpus("hostile/scenarios", atLeast: 100)
    }

    @Test(arguments: HostileCorpusTests.scenarios)
    func committedScenario(name: String) {
        let base = TestPaths.fixtures + "/hostile/scenarios/\(name)"
        Self.expect(base, shown: "hostile/\(name).yaml", id: ErrorID.scenarioInvalid) { () throws(ScenarioValidationError) in
            _ = try ScenarioLoader(stack: TestStacks.todo).load(file: base + ".yaml", displayPath: "hostile/\(name).yaml")
        }
    }

    @Test(arguments: HostileCases.all)
    func generated(_ item: HostileCase) throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("labrun-hostile-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer {
            try? FileManager.default.removeItem(atPath: directory)
            try? FileManager.default.removeItem(atPath: directory + "-outside")
        }
        let path = try item.make(directory)
        let result: Result<Void, ScenarioValidationError>
        switch item.source {
        case .scenarioFile:
            result = ScenarioLoader(stack: TestStacks.todo).parseResult(file: path)
        case .scenarioDirectory:
            result = Result { () throws(ScenarioValidationError) in _ = try ScenarioLoader(stack: TestStacks.todo).load(directory: path) }
        case .stackFile:
            result = Result { () throws(ScenarioValidationError) in _ = try StackLoader().load(file: path) }
        }
        switch (item.outcome, result) {
        case (.accepted, .success): break
        case (.accepted(let why), .failure(let error)):
            Issue.record("\(item.name) should be accepted (\(why)), got:\n\(error.description)")
        case (.refused(let fragments), .success):
            Issue.record("\(item.name) was accepted; expected \(fragments)")
        case (.refused(let fragments), .failure(let error)):
            Self.expectWellFormed(error, id: item.source == .stackFile ? ErrorID.stackInvalid : ErrorID.scenarioInvalid)
            for fragment in fragments {
                #expect(error.description.contains(fragment), "\(item.name): no \(fragment.debugDescription) in:\n\(error.description.prefix(2_000))")
            }
            #expect(!error.description.contains("hunter2") && !error.description.contains("root:x:0"), "a file's contents in the error")
        }
    }

    @Test func aReuseNamespaceFlagIsCheckedByTheSameRules() {
        #expect(KubernetesNames.reusableNamespaceProblem("lab-1") == nil)
        #expect(KubernetesNames.reusableNamespaceProblem("kube-system")?.hasPrefix("kube-system is a system namespace") == true)
        #expect(KubernetesNames.reusableNamespaceProblem("../../x")?.hasPrefix("\"../../x\" is not a namespace name") == true)
        #expect(KubernetesNames.labelKeyProblem("app.kubernetes.io/name") == nil)
        #expect(KubernetesNames.labelKeyProblem("tier!") != nil)
        #expect(KubernetesNames.labelKeyProblem("/name") != nil, "an empty prefix")
        #expect(KubernetesNames.labelValueProblem("") == nil, "Kubernetes allows an empty value")
        #expect(KubernetesNames.labelValueProblem("-a") != nil)
    }

    /// `base.yaml` is refused with exactly the errors of `base.expected`, well formed; or accepted when
    /// the sidecar says `accepted: <why>`.
    static func expect(_ base: String, shown: String, id: String,
                       _ load: () throws(ScenarioValidationError) -> Void) {
        let expected = TestPaths.read(base + ".expected").trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(!expected.isEmpty, "\(shown) has no .expected sidecar")
        do throws(ScenarioValidationError) {
            try load()
            if expected.isEmpty { print("HARVEST \(base)\naccepted: \nEND") }
            #expect(expected.hasPrefix("accepted: "), "\(shown) was accepted; expected:\n\(expected)")
        } catch {
            if expected.isEmpty { print("HARVEST \(base)\n\(error.description)\nEND") }
            #expect(error.description == expected)
            expectWellFormed(error, id: id)
            for item in error.errors { #expect(item.file == shown) }
        }
    }

    /// What every refusal is: located, printable, short, with its id and exit code 65.
    static func expectWellFormed(_ error: ScenarioValidationError, id: String) {
        #expect(!error.errors.isEmpty)
        #expect(error.errors.count <= YAMLReader.maxErrors + 1 || Set(error.errors.map(\.file)).count > 1)
        for item in error.errors {
            #expect(item.line >= 1 && item.column >= 1, "\(item)")
            #expect(!item.description.unicodeScalars.contains { $0.properties.generalCategory == .control }, "a control character in \(item.description.debugDescription)")
            #expect(item.description.utf8.count <= 4_096, "an error of \(item.description.utf8.count) bytes")
        }
        let labrun = id == ErrorID.stackInvalid ? error.stackLabrunError : error.labrunError
        #expect(labrun.id == id)
        #expect(labrun.exitCode == 65)
    }
}

extension ScenarioLoader {
    /// `load(file:)` as a result.
    func parseResult(file path: String) -> Result<Void, ScenarioValidationError> {
        Result { () throws(ScenarioValidationError) in _ = try load(file: path) }
    }
}
