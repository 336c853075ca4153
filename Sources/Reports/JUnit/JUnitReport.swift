import Foundation
import LabrunCore
import ScenarioModel

/// Renders scenario results as JUnit XML, the form CI systems (Jenkins, GitLab, GitHub) read.
///
/// One `<testsuite>` per scenario, holding a test case for the scenario as a whole and one for every
/// steady-state check, step and assertion. A failed check carries `<failure message=…>` with its detail
/// (the diff, the lost keys); a check that could not run carries `<error>`; a check that did not run
/// carries `<skipped message=…>` — a skip is never shown as a pass. Times are in seconds.
///
/// A failure's text is written for the CI user who sees nothing else (`FailureText`): the cause, the
/// numbers measured, the faults injected and when they landed, labrun's diagnosis, and the collected
/// logs. Under `--repeat N` each run is its own suite (`chaos-pod-kill #2`), and a suite
/// `<scenario> (N runs)` holds one case for the scenario over all runs: a `<failure type="flaky">`
/// when only some passed, with the pass rate and the distribution of every key figure.
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
        let safe = results.map { $0.redacted(by: redactor) }
        var suites = safe.map { suite($0) }
        if safe.contains(where: { $0.attempt != nil }) {
            suites += RepeatSummary.summarize(safe).filter { $0.runs > 1 }.map(repeatSuite)
        }
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
        var xml = "  <testsuite name=\"\(Markup.attribute(result.runName))\" tests=\"\(counts.total)\" "
            + "failures=\"\(counts.failed)\" errors=\"\(counts.errors)\" skipped=\"\(counts.skipped)\" "
            + "time=\"\(Self.seconds(result.durationSeconds))\" timestamp=\"\(Self.junitTimestamp(result.startedAt))\">\n"
        var properties: [(String, String)] = [
            ("provider", result.provider), ("namespace", result.namespace),
            ("startedAt", ReportFormat.timestamp(result.startedAt)), ("verdict", result.verdict.rawValue),
        ]
        if !result.description.isEmpty { properties.append(("description", result.description)) }
        if let attempt = result.attempt { properties.append(("run", String(attempt))) }
        if let rate = result.targetRate { properties.append(("targetRate", ReportFormat.number(rate))) }
        if let calibration = result.calibration {
            properties.append(("capacity", ReportFormat.number(calibration.capacity)))
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
        let scenario = result.runName
        let text = FailureText(result)
        var cases = [scenarioCase(result, text)]
        cases += result.steadyStateBefore.map { check(scenario + ".steadyState", "steady state before: ", $0, text) }
        cases += result.steps.map { step in
            Case(classname: scenario + ".steps", name: "step: " + step.name, time: step.end - step.start,
                 verdict: step.verdict, message: step.message ?? Self.defaultMessage(step.verdict, "step"),
                 body: ([Self.stepBody(step)] + (step.verdict.isSuccess ? [] : text.context)).joined(separator: "\n"))
        }
        cases += result.steadyStateAfter.map { check(scenario + ".steadyState", "steady state after: ", $0, text) }
        cases += result.assertions.map { check(scenario + ".assertions", "assertion: ", $0, text) }
        return cases
    }

    private func check(_ classname: String, _ prefix: String, _ assertion: AssertionResult, _ text: FailureText) -> Case {
        Case(classname: classname, name: "\(prefix)\(assertion.name) [\(assertion.kind)]", time: 0,
             verdict: assertion.verdict, message: assertion.message, body: text.check(assertion))
    }

    /// The suite of a scenario over its runs under `--repeat`: one case, failed as `flaky` when only some passed.
    private func repeatSuite(_ summary: RepeatSummary) -> (xml: String, counts: VerdictCounts) {
        let verdict: Verdict
        switch summary.verdict {
        case .passed: verdict = .passed
        case .flaky, .failed: verdict = .failed
        case .faultNotLanded: verdict = .faultNotLanded
        case .error: verdict = .error
        case .skipped: verdict = .skipped
        }
        let counts = VerdictCounts([verdict])
        let name = "\(summary.scenario) (\(summary.runs) runs)"
        var xml = "  <testsuite name=\"\(Markup.attribute(name))\" tests=\"1\" failures=\"\(counts.failed)\" "
            + "errors=\"\(counts.errors)\" skipped=\"\(counts.skipped)\" time=\"0.000\">\n"
        xml += "    <properties>\n"
        for (key, value) in [("verdict", summary.verdict.rawValue), ("runs", String(summary.runs)), ("passed", String(summary.passed)),
                             ("passRate", ReportFormat.number(summary.passRate))] {
            xml += "      <property name=\"\(key)\" value=\"\(Markup.attribute(value))\"/>\n"
        }
        xml += "    </properties>\n"
        let message = "\(summary.scenario): " + RepeatsText.verdictLine(summary)
        xml += "    <testcase classname=\"\(Markup.attribute(summary.scenario))\" name=\"\(Markup.attribute(name))\" time=\"0.000\""
        let body = Markup.text(RepeatsText.render([summary], redactor: redactor))
        switch verdict {
        case .passed: xml += ">\n      <system-out>\(body)</system-out>\n"
        case .failed, .faultNotLanded:
            xml += ">\n      <failure message=\"\(Markup.attribute(message))\" type=\"\(summary.verdict.rawValue)\">\(body)</failure>\n"
        case .error: xml += ">\n      <error message=\"\(Markup.attribute(message))\" type=\"error\">\(body)</error>\n"
        case .skipped: xml += ">\n      <skipped message=\"\(Markup.attribute(message))\"/>\n"
        }
        xml += "    </testcase>\n  </testsuite>\n"
        return (xml, counts)
    }

    /// The case for the scenario as a whole: its verdict, why it stopped, which parts failed (the
    /// first named in the message), and the run's faults, diagnosis and logs.
    private func scenarioCase(_ result: ScenarioResult, _ text: FailureText) -> Case {
        var lines: [String] = []
        var failures: [String] = []
        if let reason = result.abortReason { lines.append("stopped early: " + reason) }
        let checks: [(String, AssertionResult)] =
            result.steadyStateBefore.map { ("steady state before", $0) }
            + result.steadyStateAfter.map { ("steady state after", $0) }
            + result.assertions.map { ("assertion", $0) }
        for step in result.steps where !step.verdict.isSuccess {
            lines.append("step \(step.name): \(step.verdict.rawValue)" + (step.message.map { " — " + $0 } ?? ""))
            if step.verdict != .skipped { failures.append(lines[lines.count - 1]) }
        }
        for (label, check) in checks where !check.verdict.isSuccess {
            lines.append("\(label) \(check.name): \(check.verdict.rawValue) — \(check.message)")
            if check.verdict != .skipped { failures.append(lines[lines.count - 1]) }
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
        } else {
            message = FailureText.headline(failures, fallback: tally.isEmpty ? Self.defaultMessage(result.verdict, "scenario")
                                                                              : tally.joined(separator: ", "))
        }
        if !result.verdict.isSuccess {
            if !tally.isEmpty { lines.append("parts not passed: " + tally.joined(separator: ", ")) }
            lines += text.context
        }
        return Case(classname: result.runName, name: result.runName, time: result.durationSeconds,
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


    /// JUnit's `timestamp` is an ISO 8601 date-time without a zone; labrun writes it in UTC.
    private static func junitTimestamp(_ date: Date) -> String {
        String(ReportFormat.timestamp(date).dropLast())
    }
}
