import Foundation
import Testing
#if canImport(FoundationXML)
import FoundationXML
#endif
import ScenarioModel
@testable import Reports

/// `--repeat N`: distributions, the flaky verdict, and how the reports show them.
@Suite struct RepeatsTests {
    /// A run of db-persistence-restart whose error window was `window` seconds (nil: never recovered).
    static func run(_ attempt: Int, window: Double?, passed: Bool, p99: Double = 0.1) -> ScenarioResult {
        let recovery: AssertionResult = window.map {
            AssertionResult(name: "backend back within 90s", kind: "recoveryTime", verdict: passed ? .passed : .failed,
                            message: "error window \($0)s after step restart-postgres's fault (limit 90s)", measured: ["errorWindow": $0])
        } ?? .failed("backend back within 90s", kind: "recoveryTime", "error window never recovered after step restart-postgres (limit 90s)")
        return ScenarioResult(scenario: "db-persistence-restart", startedAt: ReportFixtures.started, durationSeconds: 200,
                              verdict: passed ? .passed : .failed, assertions: [recovery],
                              phases: [PhaseStats(phase: .after, start: 100, end: 130, count: 600, succeeded: 600, p50: 0.02, p99: p99)],
                              attempt: attempt, regressionPercent: 40)
    }

    static let fiveRuns = [run(1, window: 13.5, passed: true), run(2, window: 69, passed: true), run(3, window: 21, passed: true),
                           run(4, window: 95, passed: false), run(5, window: 15, passed: true)]

    @Test func distributionsAreNearestRank() throws {
        let d = try #require(Distribution([69, 13.5, 21, 95, 15]))
        #expect(d.count == 5 && d.min == 13.5 && d.max == 95)
        #expect(d.median == 21, "the 3rd of 5")
        #expect(d.p90 == 95, "ceil(4.5) = 5th of 5: the max")
        let ten = try #require(Distribution((1...10).map(Double.init)))
        #expect(ten.median == 5 && ten.p90 == 9)
        #expect(Distribution([.nan, .infinity]) == nil, "no finite value, no distribution")
        #expect(Distribution([4]) == Distribution(count: 1, min: 4, median: 4, p90: 4, max: 4))
    }

    @Test func someRunsPassedIsFlakyNotPassed() {
        #expect(RepeatVerdict([.passed, .passed]) == .passed)
        #expect(RepeatVerdict([.passed, .failed, .passed]) == .flaky)
        #expect(RepeatVerdict([.passed, .error]) == .flaky)
        #expect(RepeatVerdict([.passed, .skipped]) == .flaky, "a skipped run did not pass")
        #expect(RepeatVerdict([.failed, .error]) == .failed)
        #expect(RepeatVerdict([.error, .skipped]) == .error)
        #expect(RepeatVerdict([.skipped]) == .skipped)
        #expect(RepeatVerdict([]) == .skipped)
        #expect(!RepeatVerdict.flaky.isSuccess)
    }

    @Test func theSummaryHasThePassRateAndEveryFiguresDistribution() throws {
        let summary = try #require(RepeatSummary.summarize(Self.fiveRuns).first)
        #expect(summary.runs == 5 && summary.passed == 4 && summary.verdict == .flaky)
        #expect(summary.passRate == 0.8)
        #expect(summary.regressionPercent == 40, "from the results")
        let window = try #require(summary.figures.first { $0.name == "error window: backend back within 90s" })
        #expect(window.unit == .seconds)
        #expect(window.distribution == Distribution(count: 5, min: 13.5, median: 21, p90: 95, max: 95))
        #expect(summary.figures.map(\.name) == ["error window: backend back within 90s", "after p50", "after p99", "after error rate", "duration"])
    }

    @Test func aRecoveryThatNeverCameIsAMissingSample() throws {
        let runs = [Self.run(1, window: 10, passed: true), Self.run(2, window: nil, passed: false)]
        let summary = try #require(RepeatSummary.summarize(runs).first)
        #expect(summary.verdict == .flaky)
        #expect(summary.figures.first?.distribution.count == 1, "one of two runs measured it")
        #expect(RepeatsText.render([summary]).contains("1/2"))
    }

    @Test func theTerminalPrintsTheErrorWindowsDistribution() {
        let text = RepeatsText.render(RepeatSummary.summarize(Self.fiveRuns))
        let lines = text.split(separator: "\n").map(String.init)
        #expect(lines[0] == "db-persistence-restart: flaky — 4 of 5 runs passed (80%)")
        #expect(lines[1].contains("min") && lines[1].contains("median") && lines[1].contains("p90") && lines[1].contains("max"))
        let window = lines.first { $0.contains("error window: backend back within 90s") } ?? ""
        #expect(window.contains("13.50s") && window.contains("21.00s") && window.contains("95.00s") && window.hasSuffix("5/5"), "\(window)")
    }

    @Test func junitShowsEachRunAndTheFlakyVerdict() throws {
        let doc = try parseXML(JUnitReport().render(Self.fiveRuns))
        let names = try doc.elements("/testsuites/testsuite").compactMap { $0.attr("name") }
        #expect(names == (1...5).map { "db-persistence-restart #\($0)" } + ["db-persistence-restart (5 runs)"])
        let failure = try #require(try doc.elements("//testsuite[@name='db-persistence-restart (5 runs)']/testcase/failure").first)
        #expect(failure.attr("type") == "flaky")
        #expect(failure.attr("message") == "db-persistence-restart: flaky — 4 of 5 runs passed (80%)")
        #expect(failure.stringValue?.contains("error window: backend back within 90s") == true)
        let root = try #require(doc.rootElement())
        #expect(root.attr("failures") == "3", "run 4 (the scenario and its assertion) and the flaky verdict")
    }

    @Test func summaryJSONAndHTMLShowFlaky() throws {
        let summary = try JSONSerialization.jsonObject(with: JSONReport().renderSummary(Self.fiveRuns)) as? [[String: Any]]
        #expect(summary?.first?["verdict"] as? String == "flaky")
        #expect(summary?.first?["passed"] as? Int == 4)
        let html = HTMLReport().render(Self.fiveRuns, generatedAt: ReportFixtures.started)
        #expect(html.contains("<section class=\"repeats\" id=\"repeats\">"))
        #expect(html.contains("<span class=\"badge flaky\">FLAKY</span>"))
        #expect(html.contains("4 of 5 runs passed (80%)"))
        #expect(html.contains("db-persistence-restart #4"))
        let single = HTMLReport().render([ReportFixtures.rollingUpdate()], generatedAt: ReportFixtures.started)
        #expect(!single.contains("id=\"repeats\""), "no repeats section for a single run")
    }
}
