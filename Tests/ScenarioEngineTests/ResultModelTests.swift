import Foundation
import LabrunCore
import Testing
@testable import ScenarioEngine
@testable import ScenarioModel

@Suite struct ResultModelTests {
    @Test func aResultSurvivesAJSONRoundTrip() throws {
        let result = ScenarioResult(
            scenario: "chaos-pod-kill", description: "d", namespace: "labrun-chaos-pod-kill-1a2b", provider: "bare",
            startedAt: Date(timeIntervalSince1970: 1_800_000_000), durationSeconds: 95.5, verdict: .failed,
            steadyStateBefore: [.passed("ready", kind: "http", "GET /readyz → 200")],
            steps: [StepResult(name: "kill", verdict: .passed, start: 20, end: 31, operations: [
                OperationResult(block: "try", action: "deletePod", verdict: .passed, start: 20, end: 20.2, faultLandedAt: 20.4),
            ])],
            assertions: [.failed("ledger", kind: "writeLedger", "1 acknowledged write(s) lost (allowed 0)", details: ["lost:", "  k1"],
                                 measured: ["lost": 1])],
            phases: [PhaseStats(phase: .before, start: 0, end: 20, count: 600, succeeded: 600, p99: 0.03)],
            series: [LoadSecond(second: 0, sent: 30, errors: 0, p50: 0.01, p99: 0.03)],
            timeline: [TimelineEvent(at: 20.4, kind: .faultLanded, subject: "kill", detail: "pod backend-1 replaced")],
            cleanup: [OperationResult(block: "cleanup", action: "deleteNamespace", verdict: .passed, start: 90, end: 95)])
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let data = try encoder.encode(result)
        #expect(try JSONDecoder().decode(ScenarioResult.self, from: data) == result)
        let text = String(decoding: data, as: UTF8.self)
        #expect(text.contains(#""verdict":"failed""#))
        #expect(text.contains(#""kind":"faultLanded""#))
    }

    @Test func theRunVerdictCombinesItsParts() {
        #expect(ScenarioResult.combinedVerdict([.passed, .passed]) == .passed)
        #expect(ScenarioResult.combinedVerdict([.passed, .failed, .skipped]) == .failed)
        #expect(ScenarioResult.combinedVerdict([.failed, .error]) == .error)
        #expect(ScenarioResult.combinedVerdict([.skipped]) == .skipped)
        #expect(ScenarioResult.combinedVerdict([]) == .skipped)
    }

    @Test func durationsAndJSONValuesEncodeAsPeopleWriteThem() throws {
        let data = try JSONEncoder().encode(["timeout": ScenarioDuration.seconds(90)])
        #expect(String(decoding: data, as: UTF8.self) == #"{"timeout":"1m30s"}"#)
        #expect(try JSONDecoder().decode([String: ScenarioDuration].self, from: data)["timeout"] == .seconds(90))
        #expect(throws: DecodingError.self) { try JSONDecoder().decode([ScenarioDuration].self, from: Data(#"["5 seconds"]"#.utf8)) }
        let value: JSONValue = .object(["a": .array([.number(1), .number(2.5), .bool(true), .null, .string("x\"y")])])
        #expect(value.description == #"{"a": [1, 2.5, true, null, "x\"y"]}"#)
        #expect(try JSONDecoder().decode(JSONValue.self, from: JSONEncoder().encode(value)) == value)
    }
}
