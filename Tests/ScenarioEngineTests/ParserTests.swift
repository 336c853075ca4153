import Foundation
import Testing
@testable import ScenarioEngine
@testable import ScenarioModel

/// Targeted checks of the parser, the durations and the error rendering.
@Suite struct ParserTests {
    static let header = "apiVersion: labrun.dev/v1alpha1\nkind: Scenario\nmetadata:\n  name: x\n  description: d\n"

    func errors(_ yaml: String) -> [String] {
        switch ScenarioParser(stack: TestStacks.todo).parse(yaml: yaml, file: "scenarios/x.yaml", expectedName: "x") {
        case .success: return []
        case .failure(let error): return error.errors.map(\.description)
        }
    }

    @Test(arguments: [("500ms", 500), ("30s", 30_000), ("2m", 120_000), ("1h", 3_600_000), ("1m30s", 90_000),
                      ("1.5s", 1500), ("0s", 0), ("250ms", 250)])
    func durationsParse(text: String, milliseconds: Int) {
        #expect(ScenarioDuration(parsing: text)?.milliseconds == milliseconds)
    }

    @Test(arguments: ["", "5", "5 seconds", "-1s", "s", "1d", "1.2.3s", "10S", "1m 30s", "ms", ".5s", "1.s", "1..5s"])
    func badDurationsAreRejected(text: String) {
        #expect(ScenarioDuration(parsing: text) == nil)
    }

    @Test func durationsPrintInTheirShortForm() {
        #expect(ScenarioDuration(milliseconds: 500).description == "500ms")
        #expect(ScenarioDuration(milliseconds: 1500).description == "1.5s")
        #expect(ScenarioDuration.seconds(30).description == "30s")
        #expect(ScenarioDuration.seconds(120).description == "2m")
        #expect(ScenarioDuration.seconds(90).description == "1m30s")
        #expect(ScenarioDuration.seconds(7200).description == "2h")
        #expect(ScenarioDuration(milliseconds: 0).description == "0s")
    }

    @Test func theErrorIsRenderedWithFileLineColumnAndKeyPath() {
        let yaml = Self.header + "steps:\n  - name: a\n    action:\n      wait: 1s\n  - name: b\n    action:\n      wait: 1s\n"
            + "  - name: c\n    timeout: 5 seconds\n    action:\n      wait: 1s\n"
        #expect(errors(yaml) == [#"scenarios/x.yaml:14:14: steps[2].timeout: invalid duration "5 seconds" (expected e.g. 500ms, 30s, 2m)"#])
    }

    @Test func everyErrorInAFileIsCollectedInFileOrder() {
        let yaml = Self.header + "  timeout: never\nload:\n  rate: 0\nsteps:\n  - name: Bad_Name\n    action:\n      scale:\n        workload: backend\n        replicas: -1\n"
        let found = errors(yaml)
        #expect(found.count == 4)
        #expect(found.map { $0.split(separator: ":")[1] } == ["6", "8", "10", "14"])
    }

    @Test func misspeltKeysGetASuggestion() {
        #expect(Suggestion.closest(to: "stesp", in: ParseSession.topLevelKeys) == "steps")
        #expect(Suggestion.closest(to: "asertions", in: ParseSession.topLevelKeys) == "assertions")
        #expect(Suggestion.closest(to: "Metadata", in: ParseSession.topLevelKeys) == "metadata")
        #expect(Suggestion.closest(to: "zzz", in: ParseSession.topLevelKeys) == nil)
        #expect(Suggestion.editDistance("deletPod", "deletePod") == 1)
        #expect(Suggestion.editDistance("ab", "ba") == 1)
    }

    @Test func scalarsThatLookLikeOtherTypesAreReportedWithTheirType() {
        let yaml = Self.header + "setup:\n  workloads:\n    backend:\n      replicas: \"3\"\n      version: 2\nsteps:\n  - name: a\n    action:\n      wait: 1s\n"
        #expect(errors(yaml) == [
            #"scenarios/x.yaml:9:17: setup.workloads.backend.replicas: expected an integer, got string "3""#,
            "scenarios/x.yaml:10:16: setup.workloads.backend.version: expected a string, got integer 2",
        ])
    }

    @Test func namesComeFromTheStackFile() {
        let yaml = Self.header + "setup:\n  workloads:\n    bakend: {replicas: 1}\n  values: {a: 1}\n"
            + "load:\n  rate: 5\n  mix: {get: 1}\n"
            + "steps:\n  - name: a\n    action:\n      scale: {workload: frontent, replicas: 2}\n"
            + "  - name: b\n    action:\n      rollingUpdate: {workload: postgres, toVersion: v2}\n"
        #expect(errors(yaml) == [
            #"scenarios/x.yaml:8:5: setup.workloads.bakend: unknown key "bakend"; did you mean "backend"?"#,
            "scenarios/x.yaml:9:11: setup.values: the stack todo is deployed with kustomize, which takes no Helm values; set replicas, version, env and resources under setup.workloads",
            #"scenarios/x.yaml:12:8: load.mix: get uses ${id}, which create captures; give "create" a positive weight"#,
            #"scenarios/x.yaml:16:25: steps[0].action.scale.workload: unknown workload "frontent"; did you mean "frontend"?"#,
            "scenarios/x.yaml:19:54: steps[1].action.rollingUpdate.toVersion: the stack file says nothing of how postgres's version is set; add workloads.postgres.version.env to it",
        ])
    }

    /// `setup.keepKinds` takes back only what the stack file leaves out of scenarios; `setup.changes`
    /// are JSON-pointer changes as a broken variant's; a `replicas` wait needs a bound that can hold.
    @Test func autoscalingSetupAndReplicaWaits() {
        let yaml = Self.header + "setup:\n  keepKinds: [HorizontalPodAutoscaler]\n  changes:\n"
            + "    - {kind: HorizontalPodAutoscaler, name: backend, set: /spec/behavior/scaleDown/stabilizationWindowSeconds, value: 30}\n"
            + "    - {kind: Deployment, name: backend, remove: /spec/template/spec/containers/0/resources}\n"
            + "steps:\n  - name: a\n    action:\n      wait: {condition: {replicas: {workload: backend, atLeast: 4}}}\n"
        guard case .success(let scenario) = ScenarioParser(stack: TestStacks.todo).parse(yaml: yaml, file: "scenarios/x.yaml", expectedName: "x") else {
            Issue.record("did not parse: \(errors(yaml))")
            return
        }
        #expect(scenario.setup.keepKinds == ["HorizontalPodAutoscaler"])
        #expect(scenario.setup.changes == [
            StackVariant.Change(kind: "HorizontalPodAutoscaler", name: "backend", path: "/spec/behavior/scaleDown/stabilizationWindowSeconds", value: 30),
            StackVariant.Change(kind: "Deployment", name: "backend", path: "/spec/template/spec/containers/0/resources"),
        ])
        #expect(scenario.steps.first?.tryOperations.first?.action == .wait(.condition(.replicas(ReplicaBounds(workload: "backend", atLeast: 4)))))
    }

    @Test func autoscalingSetupAndReplicaWaitsSayWhatIsWrong() {
        let yaml = Self.header + "setup:\n  keepKinds: [PodDisruptionBudget]\n  changes:\n"
            + "    - {kind: Deployment, name: backend, set: spec/replicas, value: 2}\n"
            + "    - {kind: Deployment, name: backend, set: /spec/replicas}\n"
            + "    - {kind: Deployment, name: backend, set: /spec/replicas, remove: /spec, value: 1}\n"
            + "steps:\n  - name: a\n    action:\n      wait: {condition: {replicas: {workload: backend}}}\n"
            + "  - name: b\n    action:\n      wait: {condition: {replicas: {workload: backend, atLeast: 5, atMost: 4}}}\n"
        #expect(errors(yaml) == [
            #"scenarios/x.yaml:7:15: setup.keepKinds[0]: unknown kind the stack file leaves out of scenarios (deploy.scenarioSkipsKinds) "PodDisruptionBudget" (expected one of: HorizontalPodAutoscaler)"#,
            "scenarios/x.yaml:9:46: setup.changes[0].set: `set` takes a JSON pointer into the object, like /spec/replicas",
            "scenarios/x.yaml:10:46: setup.changes[1].set: `set` needs a `value`",
            #"scenarios/x.yaml:11:62: setup.changes[2].remove: "set" and "remove" exclude each other; keep one"#,
            "scenarios/x.yaml:15:36: steps[0].action.wait.condition.replicas: `replicas` needs `atLeast`, `atMost` or both",
            "scenarios/x.yaml:18:36: steps[1].action.wait.condition.replicas: `atLeast` (5) is more than `atMost` (4): no replica count meets both",
        ])
    }

    @Test func quotedKeysInPathsAreQuoted() {
        let yaml = Self.header + "steps:\n  - name: a\n    action:\n      deletePod:\n        selector:\n          app.kubernetes.io/name: 3\n"
        #expect(errors(yaml) == ["scenarios/x.yaml:11:35: steps[0].action.deletePod.selector.\"app.kubernetes.io/name\": expected a string, got integer 3"])
    }

    @Test func aFileThatCannotBeReadIsReportedNotCrashed() {
        do throws(ScenarioValidationError) {
            _ = try ScenarioLoader(stack: TestStacks.todo).load(file: "/nonexistent/x.yaml")
            Issue.record("loaded a missing file")
        } catch {
            #expect(error.description == "/nonexistent/x.yaml:1:1: does not exist")
        }
    }

    /// The `load.rate` of a scenario with only a pause as its step.
    func loadRate(_ rate: String) -> LoadRate? {
        let yaml = Self.header + "load:\n  rate:" + rate + "\nsteps:\n  - name: a\n    action:\n      wait: 1s\n"
        guard case .success(let scenario) = ScenarioParser(stack: TestStacks.todo).parse(yaml: yaml, file: "scenarios/x.yaml", expectedName: "x") else {
            return nil
        }
        return scenario.load?.rate
    }

    @Test func aLoadRateIsANumberOrAShareOfTheCapacity() {
        #expect(loadRate(" 12.5") == .fixed(12.5))
        #expect(loadRate(" 50") == .fixed(50))
        #expect(loadRate("\n    percentOfCapacity: 80") == .ofCapacity(CapacityCalibration(percentOfCapacity: 80)))
        #expect(loadRate("\n    percentOfCapacity: 80") == .ofCapacity(CapacityCalibration(percentOfCapacity: 80, measureFor: .seconds(10),
                                                                                                concurrency: 4)))
        #expect(loadRate("\n    percentOfCapacity: 1000\n    measureFor: 2s\n    concurrency: 64")
                == .ofCapacity(CapacityCalibration(percentOfCapacity: 1000, measureFor: .seconds(2), concurrency: 64)))
        #expect(loadRate(" {percentOfCapacity: 12.5, measureFor: 5m, concurrency: 1}")
                == .ofCapacity(CapacityCalibration(percentOfCapacity: 12.5, measureFor: .seconds(300), concurrency: 1)))
    }

    @Test func aLoadRateOfAnotherShapeSaysWhatItTakes() {
        let steps = "\nsteps:\n  - name: a\n    action:\n      wait: 1s\n"
        #expect(errors(Self.header + "load:\n  rate: [10]" + steps)
                == ["scenarios/x.yaml:7:9: load.rate: expected a number of requests per second or a mapping with percentOfCapacity, got a list"])
        #expect(errors(Self.header + "load:\n  rate:\n    percentOfCapacity: fast\n    measureFor: 1s\n    concurrency: 0" + steps) == [
            #"scenarios/x.yaml:8:24: load.rate.percentOfCapacity: expected a number, got string "fast""#,
            "scenarios/x.yaml:9:17: load.rate.measureFor: must be at least 2s, got 1s",
            "scenarios/x.yaml:10:18: load.rate.concurrency: must be at least 1, got 0",
        ])
    }

    @Test func aNodeFaultIsLongEnoughToVerifyAndNamesItsNodeOneWay() {
        let step = { (body: String) in Self.header + "steps:\n  - name: a\n    action:\n      nodeFault: " + body + "\n" }
        #expect(errors(step("{mode: stop, nodeOf: {workload: backend}, duration: 10s}"))
                == ["scenarios/x.yaml:9:70: steps[0].action.nodeFault.duration: must be at least 20s: a stop or cut is verified by the node's lease renewals (every 10s) stopping, and a drain waits for its pods to go"])
        #expect(errors(step("{mode: freeze, node: n2, duration: 30s}")).first?.contains("nodeFault.mode") == true)
        #expect(errors(step("{mode: cut, node: n2, nodeOf: {workload: backend}, duration: 30s}")).count == 1)
        #expect(errors(step("{mode: cut, duration: 30s}")).count == 1)
    }

    @Test func placeholdersAreCounted() {
        #expect(ParseSession.highestPlaceholder(in: "SELECT 1") == 0)
        #expect(ParseSession.highestPlaceholder(in: "SELECT $1, $2, $10") == 10)
        #expect(ParseSession.highestPlaceholder(in: "SELECT $2") == 2)
    }
}
