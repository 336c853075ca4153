import Foundation
import Testing
#if canImport(FoundationXML)
import FoundationXML
#endif
import ScenarioModel
@testable import Reports

/// A run whose partition could not be verified: every report shows the verdict by its own name,
/// and JUnit counts it as a failure carrying the reason.
@Suite struct FaultNotLandedReportTests {
    static let reason = "fault not landed in step partition: The NetworkPolicy cut of postgres did not land: pod backend-a still connected."

    static let result = ScenarioResult(
        scenario: "chaos-network-partition", provider: "kind", startedAt: Date(timeIntervalSince1970: 1_800_000_000),
        durationSeconds: 40, verdict: .faultNotLanded, abortReason: reason,
        steps: [StepResult(name: "partition", verdict: .faultNotLanded, start: 10, end: 31, message: "The NetworkPolicy cut did not land.",
                           operations: [OperationResult(block: "try", action: "networkFault", verdict: .faultNotLanded, start: 10, end: 31,
                                                        message: "The NetworkPolicy cut did not land.")])],
        assertions: [AssertionResult(name: "no write lost", kind: "writeLedger", verdict: .skipped, message: "not evaluated")])

    @Test func junitCountsItAsAFailureWithTheReason() throws {
        let doc = try parseXML(JUnitReport().render([Self.result]))
        let suite = try #require(try doc.elements("/testsuites/testsuite").first)
        #expect(suite.attr("failures") == "2")   // the scenario and its step
        #expect(suite.attr("errors") == "0")
        let scenario = try #require(try doc.elements("//testcase[@name='chaos-network-partition']/failure").first)
        #expect(scenario.attr("type") == "faultNotLanded")
        #expect(scenario.attr("message") == Self.reason)
        let step = try #require(try doc.elements("//testcase[@name='step: partition']/failure").first)
        #expect(step.attr("type") == "faultNotLanded")
    }

    @Test func htmlAndJSONNameTheVerdict() throws {
        let html = HTMLReport().render([Self.result], generatedAt: Date(timeIntervalSince1970: 1_800_000_100))
        #expect(html.contains("<span class=\"badge faultNotLanded\">FAULT NOT LANDED</span>"))
        #expect(!html.contains(">passed</span></td><td class=\"num\">40"))
        let json = String(decoding: try JSONReport().render([Self.result]), as: UTF8.self)
        #expect(json.contains("\"verdict\" : \"faultNotLanded\"") || json.contains("\"verdict\":\"faultNotLanded\""))
        #expect(ReportFormat.verdict(.faultNotLanded) == "FAULT NOT LANDED")
    }
}
