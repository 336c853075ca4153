import Foundation
import Testing
#if canImport(FoundationXML)
import FoundationXML
#endif
import ScenarioModel
@testable import Reports

@Suite struct JUnitReportTests {
    let xml = JUnitReport().render(ReportFixtures.all)

    @Test func itIsWellFormedWithOneSuitePerScenario() throws {
        let doc = try parseXML(xml)
        let root = try #require(doc.rootElement())
        #expect(root.name == "testsuites")
        let suites = try doc.elements("/testsuites/testsuite")
        #expect(suites.map { $0.attr("name") } == ["chaos-rolling-update", "chaos-pod-kill", "db-persistence-restart"])
        // Totals on the root add up over the suites.
        for key in ["tests", "failures", "errors", "skipped"] {
            let sum = suites.compactMap { $0.attr(key).flatMap(Int.init) }.reduce(0, +)
            #expect(root.attr(key) == String(sum), "total \(key)")
        }
    }

    @Test func everyCheckIsATestCaseAndCountsMatchTheElements() throws {
        let doc = try parseXML(xml)
        let suite = try #require(try doc.elements("/testsuites/testsuite[@name='chaos-rolling-update']").first)
        let cases = try suite.elements("testcase")
        // The scenario itself + 2 steady-state before + 3 steps + 2 after + 6 assertions.
        #expect(cases.count == 14)
        #expect(suite.attr("tests") == "14")
        #expect(cases.first?.attr("name") == "chaos-rolling-update")
        #expect(cases.first?.attr("time") == "124.600")
        #expect(suite.attr("failures") == String(try suite.elements("testcase/failure").count))
        #expect(suite.attr("failures") == "3")  // the scenario and two assertions
        #expect(suite.attr("skipped") == "1")
        #expect(suite.attr("errors") == "0")
        #expect(suite.attr("timestamp") == "2027-01-15T08:00:00")
        let names = cases.compactMap { $0.attr("name") }
        #expect(names.contains("step: kill backend pod"))
        #expect(names.contains("assertion: rows after restart [sql]"))
        #expect(names.contains("steady state after: frontend ready [http]"))
        // Step time in seconds.
        let kill = try #require(cases.first { $0.attr("name") == "step: rolling update to v2" })
        #expect(kill.attr("time") == "17.000")
    }

    @Test func failuresCarryTheirMessageAndEscapedDetail() throws {
        let doc = try parseXML(xml)
        let sql = try #require(try doc.elements("//testcase[@name='assertion: rows after restart [sql]']").first)
        let failure = try #require(try sql.elements("failure").first)
        #expect(failure.attr("message") == "2 rows differ from the expected")
        let body = failure.stringValue ?? ""
        #expect(body.contains("- id=7 title=<buy milk & eggs> done=false"))
        // Colour codes are dropped; the bell (not allowed in XML 1.0) is shown, not written raw.
        #expect(body.contains("stray\\u{0007}bell"))
        #expect(!xml.contains("\u{1B}"))
        #expect(!xml.contains("\u{07}"))
        let scenario = try #require(try doc.elements("//testcase[@name='chaos-rolling-update']/failure").first)
        // The scenario's message names its first failure; the body tallies the rest.
        #expect(scenario.attr("message")?.hasPrefix("assertion error rate during the rollout: failed — error rate") == true)
        #expect(scenario.attr("message")?.hasSuffix("(and 1 more)") == true)
        #expect(scenario.stringValue?.contains("assertion rows after restart: failed") == true)
        #expect(scenario.stringValue?.contains("parts not passed: 2 failed, 1 skipped") == true)
    }

    @Test func skipsAreNeverShownAsPasses() throws {
        let doc = try parseXML(xml)
        let frontend = try #require(try doc.elements("//testcase[@name='steady state after: frontend ready [http]']").first)
        #expect(try frontend.elements("skipped").first?.attr("message") == "Skipped: the frontend is not deployed in this setup.")
        #expect(try frontend.elements("failure").isEmpty)
        let aborted = try #require(try doc.elements("/testsuites/testsuite[@name='db-persistence-restart']").first)
        #expect(aborted.attr("skipped") == "2")
        #expect(aborted.attr("errors") == "2")  // the scenario and the steady-state check
        let error = try #require(try aborted.elements("testcase[@name='db-persistence-restart']/error").first)
        #expect(error.attr("message") == "The steady state did not hold before the run: postgres-0 is not ready.")
        // A passing case has no child elements at all.
        let passing = try #require(try doc.elements("//testcase[@name='chaos-pod-kill']").first)
        #expect(passing.childCount == 0)
    }

    @Test func theLoadsRateAndMeasuredCapacityAreProperties() throws {
        let doc = try parseXML(xml)
        func properties(_ suite: String) throws -> [String: String] {
            let elements = try doc.elements("/testsuites/testsuite[@name='\(suite)']/properties/property")
            return Dictionary(elements.compactMap { element in element.attr("name").map { ($0, element.attr("value") ?? "") } },
                              uniquingKeysWith: { first, _ in first })
        }
        let fixed = try properties("chaos-rolling-update")
        #expect(fixed["targetRate"] == "30")
        #expect(fixed["capacity"] == nil)
        let measured = try properties("chaos-pod-kill")
        #expect(measured["targetRate"] == "20")
        #expect(measured["capacity"] == "21.1")
        #expect(measured["calibration"]
                == "capacity 21.1 req/s (closed loop, 4 at a time, 10s, 213 requests, 2 failed); load at 95% = 20.0 req/s")
        #expect(try properties("db-persistence-restart")["targetRate"] == nil)
    }

    @Test func attributesKeepQuotesAndLineBreaks() throws {
        var result = ReportFixtures.podKill()
        result.verdict = .failed
        result.assertions = [.failed("quote \"it\" & <that>", kind: "http", "line one\nline 'two'\ttab")]
        let doc = try parseXML(JUnitReport().render([result]))
        let failure = try #require(try doc.elements("//failure").last)
        #expect(failure.attr("message") == "line one\nline 'two'\ttab")
        #expect(try doc.elements("//testcase[@name='assertion: quote \"it\" & <that> [http]']").count == 1)
    }

    @Test func anEmptyRunIsStillAValidDocument() throws {
        let doc = try parseXML(JUnitReport().render([]))
        #expect(doc.rootElement()?.attr("tests") == "0")
    }

    /// Item 5 of issue 11: the `<failure>` alone tells a CI user the cause, the likely fault, the numbers and where the logs are.
    @Test func aFailureSaysTheCauseTheFaultTheNumbersAndTheLogs() throws {
        var result = ReportFixtures.rollingUpdate()
        result.assertions.append(.failed("backend back within 90s", kind: "recoveryTime",
                                         "error window 1m35s after step kill-pod's fault (limit 1m30s)", measured: ["errorWindow": 95]))
        result.timeline.append(TimelineEvent(at: 120, kind: .note, subject: "diagnosis",
                                             detail: "likely cause: postgres has no persistent volume"))
        result.artifacts = ["chaos-rolling-update/backend-1.log", "chaos-rolling-update/events.txt"]
        let doc = try parseXML(JUnitReport().render([result]))
        let failure = try #require(try doc.elements("//testcase[@name='assertion: backend back within 90s [recoveryTime]']/failure").first)
        #expect(failure.attr("message") == "error window 1m35s after step kill-pod's fault (limit 1m30s)")
        let body = failure.stringValue ?? ""
        #expect(body.hasPrefix("cause: error window 1m35s after step kill-pod's fault (limit 1m30s)"), "\(body)")
        #expect(body.contains("numbers: errorWindow=95"))
        #expect(body.contains("faults injected (likely trigger): +31.0s step rollout started — new ReplicaSet backend-6f9c; "
                              + "+50.4s step pod replaced — backend-6f9c-b2 gone, UID changed"), "\(body)")
        #expect(body.contains("likely cause: postgres has no persistent volume"))
        #expect(body.contains("logs (relative to the report directory): chaos-rolling-update/backend-1.log, chaos-rolling-update/events.txt"))
        let scenario = try #require(try doc.elements("//testcase[@name='chaos-rolling-update']/failure").first)
        #expect(scenario.stringValue?.contains("logs (relative to the report directory): chaos-rolling-update/backend-1.log") == true)
        // A passed check carries no failure text.
        let passed = try #require(try doc.elements("//testcase[@name='step: kill-pod']").first ?? doc.elements("//testcase[not(*)]").first)
        #expect(try passed.elements("failure").isEmpty)
    }
}
