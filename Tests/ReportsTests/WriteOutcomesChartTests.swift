import Foundation
import Testing
#if canImport(FoundationXML)
import FoundationXML
#endif
import ScenarioModel
@testable import Reports

@Suite struct WriteOutcomesChartTests {
    /// A ledger result of 100 writes with every class present, timed by 30 reads.
    static func ledgerResult(timed: Bool = true) -> AssertionResult {
        let records = (0..<100).map { n -> RequestRecord in
            let outcome: RequestOutcome = n < 90 ? .status(201) : n < 94 ? .timeout : n < 97 ? .status(422) : .connection("reset")
            return RequestRecord(sequence: n, operation: LoadOperation("create"), intended: Double(n) / 10, start: Double(n) / 10,
                                 end: Double(n) / 10 + 0.02, outcome: outcome, idempotencyKey: "k\(n)")
        }
        // k0 lost, k1 duplicated, k90…k92 recovered (k93 not), k94 present though refused, k-x never sent.
        var rows = Dictionary(uniqueKeysWithValues: (2..<93).map { ("k\($0)", 1) })
        rows["k1"] = 2
        rows["k94"] = 1
        rows["k-x"] = 1
        var seen = LedgerVisibility()
        if timed {
            for read in 1...30 {
                let time = Double(read) * 0.5
                seen.record(readAt: time, rows: rows.filter { key, _ in (Int(key.dropFirst()) ?? 0) <= Int(time * 10) })
            }
        }
        let ledger = WriteLedger(records: records, operations: [LoadOperation("create")], rows: rows, seen: timed ? seen : nil)
        return ledger.evaluate(WriteLedgerAssertion(), name: "every write accounted for")
    }

    @Test func everyClassIsABarWithItsCountAndTheHistogramHasEveryBucket() throws {
        let result = Self.ledgerResult()
        let summary = try #require(result.writeOutcomes)
        #expect(summary.counts == ["ok": 88, "lost": 1, "duplicated": 1, "unexpected": 2, "recovered": 3,
                                   "failedIndeterminate": 4, "failed": 2])
        let svg = WriteOutcomesChart(name: result.name, summary: summary).svg()
        let doc = try parseXML(svg)
        let classes = try doc.elements("//*[@data-outcome]").compactMap { $0.attr("data-outcome") }
        #expect(classes == WriteOutcome.allCases.map(\.rawValue))
        let titles = try doc.elements("//*[@data-outcome]/*[local-name()='title']").compactMap(\.stringValue)
        #expect(titles == ["ok: 88", "lost: 1 — anomaly", "duplicated: 1 — anomaly", "unexpected: 2 — anomaly", "recovered: 3",
                           "failed-indeterminate: 4", "failed: 2"])
        let buckets = try doc.elements("//*[@data-bucket]").compactMap { $0.attr("data-bucket") }
        #expect(buckets == ["≤0.25s", "≤0.5s", "≤1s", "≤2s", "≤5s", "≤10s", "≤30s", ">30s"])
        let visibility = try #require(summary.visibility)
        #expect(visibility.buckets.reduce(0) { $0 + $1.count } == visibility.measured)
        #expect(visibility.measured == 89, "the ok writes and the acknowledged duplicate")
        #expect(svg.contains("one every 0.5s (longest gap 0.5s): the resolution"))
        if let dir = ProcessInfo.processInfo.environment["LABRUN_REPORT_PREVIEW"] {
            try svg.write(toFile: dir + "/write-outcomes.svg", atomically: true, encoding: .utf8)
        }
    }

    @Test func anUntimedLedgerSaysWhyThereIsNoHistogram() throws {
        let result = Self.ledgerResult(timed: false)
        let svg = WriteOutcomesChart(name: result.name, summary: try #require(result.writeOutcomes)).svg()
        _ = try parseXML(svg)
        #expect(svg.contains("not timed: the ledger was read only at the end"))
        #expect(!svg.contains("data-bucket"))
    }

    @Test func theReportsCarryTheCounts() throws {
        let ledger = Self.ledgerResult()
        var scenario = ReportFixtures.podKill()
        scenario.assertions.append(ledger)
        let html = HTMLReport().render([scenario], generatedAt: ReportFixtures.started)
        #expect(html.contains("<h3>Write outcomes <span class=\"count\">every write accounted for</span></h3>"))
        #expect(html.components(separatedBy: "class=\"write-outcomes\"").count == 2)
        let data = try JSONReport().render([scenario])
        let decoded = try JSONReport.decode(data)
        #expect(decoded.first?.assertions.last?.writeOutcomes == ledger.writeOutcomes)
        let junit = JUnitReport().render([scenario])
        #expect(junit.contains("ok 88, lost 1, duplicated 1, unexpected 2, recovered 3, failed-indeterminate 4, failed 2"))
        // A report without a ledger has no such section.
        #expect(!HTMLReport().render([ReportFixtures.podKill()], generatedAt: ReportFixtures.started).contains("Write outcomes"))
    }
}
