import Foundation
import Testing
import LabrunCore
import ScenarioModel
@testable import Reports

/// The run history: append, bounded read, corrupt lines refused, baselines, comparisons and thresholds.
@Suite struct HistoryTests {
    static func directory() -> URL {
        FileManager.default.temporaryDirectory.appendingPathComponent("labrun-history-\(UUID().uuidString)")
    }

    static func record(_ run: String, window: Double, p99: Double = 0.1, verdict: RepeatVerdict = .passed,
                       scenario: String = "db-persistence-restart", threshold: Double = 25) -> HistoryRecord {
        let figures = [
            FigureDistribution(name: "error window: back", unit: .seconds,
                               distribution: Distribution(count: 1, min: window, median: window, p90: window, max: window)),
            FigureDistribution(name: "after p99", unit: .seconds, distribution: Distribution(count: 1, min: p99, median: p99, p90: p99, max: p99)),
        ]
        return HistoryRecord(run: run, at: ReportFixtures.started, summary: RepeatSummary(
            scenario: scenario, runs: 1, passed: verdict == .passed ? 1 : 0, verdict: verdict, figures: figures, regressionPercent: threshold))
    }

    @Test func appendedRecordsReadBackOneJSONLineEach() throws {
        let base = Self.directory()
        defer { try? FileManager.default.removeItem(at: base) }
        let history = RunHistory(reportDirectory: base)
        #expect(try history.read().isEmpty, "no file yet: no history")
        try history.append([Self.record("20270115T080000Z", window: 20)])
        try history.append([Self.record("20270116T080000Z", window: 30), Self.record("20270116T080000Z", window: 1, scenario: "chaos-pod-kill")])
        let records = try history.read()
        #expect(records.map(\.run) == ["20270115T080000Z", "20270116T080000Z", "20270116T080000Z"])
        #expect(records[1].figure("error window: back")?.distribution.median == 30)
        let text = try String(contentsOf: history.file, encoding: .utf8)
        #expect(text.split(separator: "\n").count == 3)
        #expect(text.split(separator: "\n").allSatisfy { $0.hasPrefix("{") && $0.contains("\"v\":1") }, "versioned JSON lines")
        #expect(text.contains("\"run\":\"20270115T080000Z\""))

        // A symbolic link at the history's name is refused, not written through.
        let elsewhere = base.appendingPathComponent("elsewhere.txt")
        try Data("keep".utf8).write(to: elsewhere)
        let linked = RunHistory(file: base.appendingPathComponent("linked.jsonl"))
        try FileManager.default.createSymbolicLink(at: linked.file, withDestinationURL: elsewhere)
        #expect(throws: LabrunError.self) { try linked.append([Self.record("r9", window: 1)]) }
        #expect(try String(contentsOf: elsewhere, encoding: .utf8) == "keep")
        #expect(RunHistory.latest(records).map(\.scenario) == ["db-persistence-restart", "chaos-pod-kill"])
    }

    @Test func aCorruptLineIsRefusedWithItsFileAndLine() throws {
        let good = try Self.record("20270115T080000Z", window: 20).line()
        let cases: [(String, String)] = [
            ("{not json", "not JSON"),
            (good.replacingOccurrences(of: "\"v\":1", with: "\"v\":2"), "written by a newer labrun (format v2"),
            (good.replacingOccurrences(of: "\"scenario\":\"db-persistence-restart\",", with: ""), "the key \"scenario\" is missing"),
            (good.replacingOccurrences(of: "\"verdict\":\"passed\"", with: "\"verdict\":\"great\""), "verdict is not valid"),
            (good.replacingOccurrences(of: "\"passed\":1", with: "\"passed\":7"), "7 of 1 runs passed"),
            (String(repeating: "x", count: RunHistory.maxLineBytes + 1), "more than the 64 KiB"),
        ]
        for (bad, expected) in cases {
            let data = Data((good + "\n\n" + bad + "\n" + good + "\n").utf8)
            do {
                _ = try RunHistory.parse(data[...], source: "h.jsonl")
                Issue.record("accepted: \(bad.prefix(60))")
            } catch let error as LabrunError {
                #expect(error.id == ErrorID.historyCorrupt && error.exitCode == 65)
                #expect(error.message.hasPrefix("h.jsonl:3: not a labrun history record: "), "\(error.message)")
                #expect(error.message.contains(expected), "\(error.message)")
            }
        }
    }

    @Test func theFileStaysBoundedAndOnlyItsNewestPartIsRead() throws {
        let base = Self.directory()
        defer { try? FileManager.default.removeItem(at: base) }
        let history = RunHistory(reportDirectory: base)
        let line = try Self.record("20270115T080000Z", window: 20).line()
        let perAppend = 200
        var appended = 0
        var written = 0
        while written <= RunHistory.trimAt + 10_000 {
            let records = Array(repeating: Self.record("r\(appended)", window: Double(appended)), count: perAppend)
            try history.append(records)
            written += try records.map { try $0.line().utf8.count + 1 }.reduce(0, +)
            appended += perAppend
        }
        let size = try #require(try FileManager.default.attributesOfItem(atPath: history.file.path)[.size] as? Int)
        #expect(size <= RunHistory.trimAt, "trimmed after passing \(RunHistory.trimAt) bytes: \(size)")
        let records = try history.read()
        #expect(records.last?.run == "r\(appended - perAppend)", "the newest records are kept")
        #expect(records.count < appended, "the oldest were dropped")

        // A file grown past the read limit by something else is read from its newest part, a cut line dropped.
        let big = base.appendingPathComponent("big.jsonl")
        var text = ""
        while text.utf8.count <= RunHistory.maxReadBytes { text += line + "\n" }
        try (String(repeating: "junk", count: 10) + text).write(to: big, atomically: true, encoding: .utf8)
        #expect(try RunHistory(file: big).read().count > 1000)
    }

    @Test func comparisonsFlagRegressionsPastTheScenariosThreshold() throws {
        let history = [Self.record("r1", window: 20, p99: 0.100), Self.record("r2", window: 20, p99: 0.100),
                       Self.record("r3", window: 26, p99: 0.180, threshold: 25)]
        let comparison = try #require(HistoryComparison.againstPrevious(history).first)
        #expect(comparison.reference?.run == "r2" && comparison.current.run == "r3")
        let window = try #require(comparison.changes.first { $0.name == "error window: back" })
        #expect(window.regressed, "+30% past 25%")
        let p99 = try #require(comparison.changes.first { $0.name == "after p99" })
        #expect(!p99.regressed, "+80%, but 80 ms is under the 0.1 s noise floor")
        #expect(comparison.regressed)

        let lenient = HistoryComparison(current: Self.record("r3", window: 26, threshold: 40), reference: Self.record("r2", window: 20))
        #expect(!lenient.regressed, "+30% is within a 40% threshold")
        let better = HistoryComparison(current: Self.record("r3", window: 5), reference: Self.record("r2", window: 20))
        #expect(!better.regressed)
        let flaky = HistoryComparison(current: Self.record("r3", window: 20, verdict: .flaky), reference: Self.record("r2", window: 20))
        #expect(flaky.verdictRegressed && flaky.regressed, "passed → flaky is a regression")
        #expect(HistoryComparison.againstPrevious([Self.record("r1", window: 20)]).first?.reference == nil, "the first run has nothing to compare with")
    }

    @Test func compareTextNamesEachRegression() throws {
        let comparisons = HistoryComparison.againstPrevious([Self.record("r1", window: 20), Self.record("r2", window: 34, verdict: .flaky)])
        let text = HistoryComparison.text(comparisons, against: "the history")
        #expect(text.hasPrefix("db-persistence-restart: flaky (was passed) — r2 against r1, regression threshold 25%"), "\(text)")
        #expect(text.contains("REGRESSED  verdict"))
        let line = text.split(separator: "\n").first { $0.contains("error window: back") } ?? ""
        #expect(line.hasPrefix("  REGRESSED") && line.contains("20.00s → 34.00s") && line.hasSuffix("+70%"), "\(line)")
        let quiet = text.split(separator: "\n").first { $0.contains("after p99") } ?? ""
        #expect(quiet.hasPrefix("             ") && quiet.hasSuffix("±0%"), "\(quiet)")
    }

    @Test func baselinesAreNamedCopiesOfTheNewestRecords() throws {
        let base = Self.directory()
        defer { try? FileManager.default.removeItem(at: base) }
        let history = RunHistory(reportDirectory: base)
        #expect(throws: LabrunError.self) { try history.saveBaseline("v1") }
        try history.append([Self.record("r1", window: 20), Self.record("r1", window: 3, scenario: "chaos-pod-kill")])
        try history.append([Self.record("r2", window: 22)])
        let saved = try history.saveBaseline("v1")
        #expect(saved.map(\.run) == ["r2", "r1"], "the newest record of each scenario")
        #expect(history.baselineNames() == ["v1"])
        try history.append([Self.record("r3", window: 40)])
        let comparison = try #require(HistoryComparison.againstBaseline(try history.read(), baseline: try history.baseline("v1"),
                                                                        scenarios: ["db-persistence-restart"]).first)
        #expect(comparison.reference?.run == "r2" && comparison.regressed)
        do {
            _ = try history.baseline("v2")
            Issue.record("an unknown baseline was read")
        } catch let error as LabrunError {
            #expect(error.id == ErrorID.historyNoBaseline && error.message.contains("saved baselines: v1"))
        }
        for bad in ["", "../x", ".hidden", "a/b", String(repeating: "a", count: 65)] {
            #expect(throws: LabrunError.self) { try RunHistory.checkBaselineName(bad) }
        }
    }

    @Test func theHTMLReportComparesWithThePreviousRunAndDrawsTrends() throws {
        let records = [Self.record("r1", window: 20), Self.record("r2", window: 22, verdict: .failed), Self.record("r3", window: 40)]
        let result = ScenarioResult(scenario: "db-persistence-restart", startedAt: ReportFixtures.started, verdict: .passed)
        let html = HTMLReport().render([result], generatedAt: ReportFixtures.started,
                                       history: ReportHistory(file: "labrun-report/history.jsonl", records: records))
        #expect(html.contains("<section class=\"history\" id=\"history\">"))
        #expect(html.contains("against r2 (failed), regression threshold 25%"))
        #expect(html.contains("<strong>regressed</strong>"))
        #expect(html.contains("Trend: db-persistence-restart"))
        #expect(html.contains("aria-label=\"trend of error window: back\""))
        #expect(html.contains("fill=\"#b3261e\""), "the failed run's point is red")
        let broken = HTMLReport().render([result], generatedAt: ReportFixtures.started,
                                         history: ReportHistory(file: "h.jsonl", problem: "h.jsonl:3: not a labrun history record: not JSON."))
        #expect(broken.contains("History not shown:</strong> h.jsonl:3: not a labrun history record"))
    }
}
