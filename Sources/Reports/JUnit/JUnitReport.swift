import Foundation
import LabrunCore
import ScenarioModel

/// Renders scenario results as JUnit XML, the form CI systems (Jenkins, GitLab, GitHub) read.
///
/// One `<testsuite>` per scenario, holding a test case for the scenario as a whole and one for every
/// steady-state check, step and assertion. A failed check carries `<failure message=…>` with its detail
/// (the diff, the lost keys); a check that could not run carries `<error>`; a check that did not run
/// carries `<skipped message=…>` — a skip is never shown as a pass. Times are in seconds.
public struct JUnitReport: Sendable {
    /// The name of the `<testsuites>` element.
    public var name: String
    private let redactor: Redactor

    public init(name: String = "labrun", redactor: Redactor = .shared) {
        self.name = name
        self.redactor = redactor
    }

    /// The XML document for a run of one or more scenarios.
    public func render(_ results: [ScenarioResult]) -> String {
        let suites = results.map { suite($0.redacted(by: redactor)) }
        let totals = suites.reduce(into: VerdictCounts()) { sum, suite in
            sum.passed += suite.counts.passed
            sum.failed += suite.counts.failed
            sum.errors += suite.counts.errors
            sum.skipped += suite.counts.skipped
        }
        let time = results.reduce(0) { $0 + $1.durationSeconds }
        var xml = #"<?xml version="1.0" encoding="UTF-8"?>"# + "\n"
        xml += "<testsuites name=\"\(Markup.attribute(redactor.redact(name)))\" tests=\"\(totals.total)\" "
            + "failures=\"\(totals.failed)\" errors=\"\(totals.errors)\" skipped=\"\(totals.skipped)\" "
            + "time=\"\(Self.seconds(time))\">\n"
        for suite in suites { xml += suite.xml }
        xml += "</testsuites>\n"
        return xml
    }

    // MARK: - Suites and cases

    private struct Case {
        var classname: String
        var name: String
        var time: Double
        var verdict: Verdict
        var message: String
        var body: String
    }

    private func suite(_ result: ScenarioResult) -> (xml: String, counts: VerdictCounts) {
        let cases = testCases(result)
        let counts = VerdictCounts(cases.map(\.verdict))
        var xml = "  <testsuite name=\"\(Markup.attribute(result.scenario))\" tests=\"\(counts.total)\" "
            + "failures=\"\(counts.failed)\" errors=\"\(counts.errors)\" skipped=\"\(counts.skipped)\" "
            + "time=\"\(Self.seconds(result.durationSeconds))\" timestamp=\"\(Self.junitTimestamp(result.startedAt))\">\n"
        var properties: [(String, String)] = [
            ("provider", result.provider), ("namespace", result.namespace),
            ("startedAt", ReportFormat.timestamp(result.startedAt)), ("verdict", result.verdict.rawValue),
        ]
        if !result.description.isEmpty { properties.append(("description", result.description)) }
        if let rate = result.targetRate { properties.append(("targetRate", Self.number(rate))) }
        if let calibration = result.calibration {
            properties.append(("capacity", Self.number(calibration.capacity)))
            properties.append(("calibration", calibration.summary))
        }
        properties += result.artifacts.map { ("artifact", $0) }
        xml += "    <properties>\n"
        for (key, value) in properties where !value.isEmpty {
            xml += "      <property name=\"\(Markup.attribute(key))\" value=\"\(Markup.attribute(value))\"/>\n"
        }
        xml += "    </properties>\n"
        for testCase in cases { xml += render(testCase) }
        let log = timelineText(result)
        if !log.isEmpty { xml += "    <system-out>\(Markup.text(log))</system-out>\n" }
        xml += "  </testsuite>\n"
        return (xml, counts)
    }

    private func testCases(_ result: ScenarioResult) -> [Case] {
        let scenario = result.scenario
        var cases = [scenarioCase(result)]
        cases += result.steadyStateBefore.map { check(scenario + ".steadyState", "steady state before: ", $0) }
        cases += result.steps.map { step in
            Case(classname: scenario + ".steps", name: "step: " + step.name, time: step.end - step.start,
                 verdict: step.verdict, message: step.message ?? Self.defaultMessage(step.verdict, "step"),
                 body: Self.stepBody(step))
        }
        cases += result.steadyStateAfter.map { check(scenario + ".steadyState", "steady state after: ", $0) }
        cases += result.assertions.map { check(scenario + ".assertions", "assertion: ", $0) }
        return cases
    }

    private func check(_ classname: String, _ prefix: String, _ assertion: AssertionResult) -> Case {
        var body = [assertion.message] + assertion.details
        if !assertion.measured.isEmpty {
            body.append("measured: " + assertion.measured.sorted { $0.key < $1.key }
                .map { "\($0.key)=\(Self.number($0.value))" }.joined(separator: ", "))
        }
        return Case(classname: classname, name: "\(prefix)\(assertion.name) [\(assertion.kind)]", time: 0,
                    verdict: assertion.verdict, message: assertion.message, body: body.joined(separator: "\n"))
    }

    /// The case for the scenario as a whole: its verdict, why it stopped, and which parts failed.
    private func scenarioCase(_ result: ScenarioResult) -> Case {
        var lines: [String] = []
        if let reason = result.abortReason { lines.append("stopped early: " + reason) }
        let checks: [(String, AssertionResult)] =
            result.steadyStateBefore.map { ("steady state before", $0) }
            + result.steadyStateAfter.map { ("steady state after", $0) }
            + result.assertions.map { ("assertion", $0) }
        for step in result.steps where !step.verdict.isSuccess {
            lines.append("step \(step.name): \(step.verdict.rawValue)" + (step.message.map { " — " + $0 } ?? ""))
        }
        for (label, check) in checks where !check.verdict.isSuccess {
            lines.append("\(label) \(check.name): \(check.verdict.rawValue) — \(check.message)")
        }
        for operation in result.cleanup where !operation.verdict.isSuccess {
            lines.append("cleanup \(operation.action): \(operation.verdict.rawValue)"
                         + (operation.message.map { " — " + $0 } ?? ""))
        }
        let parts = VerdictCounts(result.steps.map(\.verdict) + checks.map(\.1.verdict) + result.cleanup.map(\.verdict))
        var tally: [String] = []
        if parts.failed > 0 { tally.append("\(parts.failed) failed") }
        if parts.errors > 0 { tally.append("\(parts.errors) could not run") }
        if parts.skipped > 0 { tally.append("\(parts.skipped) skipped") }
        let message: String
        if let reason = result.abortReason {
            message = reason
        } else if result.verdict.isSuccess {
            message = ""
        } else if !tally.isEmpty {
            message = tally.joined(separator: ", ")
        } else {
            message = Self.defaultMessage(result.verdict, "scenario")
        }
        return Case(classname: result.scenario, name: result.scenario, time: result.durationSeconds,
                    verdict: result.verdict, message: message, body: lines.joined(separator: "\n"))
    }

    private func render(_ testCase: Case) -> String {
        var xml = "    <testcase classname=\"\(Markup.attribute(testCase.classname))\" "
            + "name=\"\(Markup.attribute(testCase.name))\" time=\"\(Self.seconds(testCase.time))\""
        let message = Markup.attribute(testCase.message)
        let body = Markup.text(testCase.body)
        switch testCase.verdict {
        case .passed:
            return xml + "/>\n"
        case .failed:
            xml += ">\n      <failure message=\"\(message)\" type=\"failed\">\(body)</failure>\n"
        case .faultNotLanded:
            xml += ">\n      <failure message=\"\(message)\" type=\"faultNotLanded\">\(body)</failure>\n"
        case .error:
            xml += ">\n      <error message=\"\(message)\" type=\"error\">\(body)</error>\n"
        case .skipped:
            xml += ">\n      <skipped message=\"\(message)\"/>\n"
        }
        return xml + "    </testcase>\n"
    }

    // MARK: - Text

    private static func stepBody(_ step: StepResult) -> String {
        var lines: [String] = []
        if let message = step.message { lines.append(message) }
        for op in step.operations {
            var line = "\(op.block) \(op.action): \(op.verdict.rawValue) at \(ReportFormat.offset(op.start)) "
                + "(\(ReportFormat.duration(op.end - op.start)))"
            if let landed = op.faultLandedAt { line += ", fault landed at \(ReportFormat.offset(landed))" }
            if let message = op.message { line += " — " + message }
            lines.append(line)
        }
        return lines.joined(separator: "\n")
    }

    /// The run's timeline, one event per line, for the suite's `<system-out>`.
    private func timelineText(_ result: ScenarioResult) -> String {
        var lines = result.timeline.sorted { $0.at < $1.at }.map { event in
            "\(ReportFormat.offset(event.at)) \(event.kind.rawValue) \(event.subject)"
                + (event.detail.isEmpty ? "" : ": " + event.detail)
        }
        if !result.artifacts.isEmpty { lines.append("artifacts: " + result.artifacts.joined(separator: ", ")) }
        return lines.joined(separator: "\n")
    }

    private static func defaultMessage(_ verdict: Verdict, _ what: String) -> String {
        switch verdict {
        case .passed: return ""
        case .failed: return "The \(what) failed."
        case .error: return "The \(what) could not run."
        case .skipped: return "The \(what) did not run."
        case .faultNotLanded: return "The \(what)'s fault could not be verified to have landed."
        }
    }

    static func seconds(_ value: Double) -> String {
        String(format: "%.3f", value.isFinite ? Swift.max(0, value) : 0)
    }

    private static func number(_ value: Double) -> String {
        value == value.rounded() && abs(value) < 1e15 ? String(Int(value)) : String(format: "%.4g", value)
    }

    /// JUnit's `timestamp` is an ISO 8601 date-time without a zone; labrun writes it in UTC.
    private static func junitTimestamp(_ date: Date) -> String {
        String(ReportFormat.timestamp(date).dropLast())
    }
}
