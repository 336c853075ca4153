import Foundation
import Testing
#if canImport(FoundationXML)
import FoundationXML
#endif
import ScenarioModel
@testable import Reports

@Suite struct TimelineChartTests {
    @Test func aLongBusyRunStaysReadableAndBounded() throws {
        var result = ReportFixtures.rollingUpdate()
        result.series = (0..<1800).map { second in
            LoadSecond(second: second, sent: 200, errors: second % 97 == 0 ? 40 : 0, p50: 0.004, p99: second % 300 == 0 ? 3.2 : 0.02,
                       versions: ["v\(second / 400 + 1)": 150, "v\(second / 400 + 2)": 50])
        }
        result.timeline += (0..<300).map { TimelineEvent(at: Double($0) * 6, kind: .pod, subject: "backend-\($0)", detail: "Ready") }
        let svg = TimelineChart(result: result).svg()
        let doc = try parseXML(svg)
        #expect(svg.utf8.count < 1_500_000)
        // Labels are capped at six rows; the rest are counted, not drawn over each other.
        let pods = try doc.elements("//*[@data-lane='pods']//*[local-name()='text']").compactMap(\.stringValue)
        #expect(pods.filter { $0.hasSuffix("unlabelled (see list)") }.count == 1)
        #expect(pods.count < 70)
        if let dir = ProcessInfo.processInfo.environment["LABRUN_REPORT_PREVIEW"] {
            try svg.write(toFile: dir + "/long-run.svg", atomically: true, encoding: .utf8)
        }
        let versions = try doc.elements("//*[@data-version]").compactMap { $0.attr("data-version") }
        #expect(versions == ["v1", "v2", "v3", "v4", "v5", "v6"])
        // The time axis uses round steps (5 minutes over 30).
        let texts = Set(try doc.elements("//*[local-name()='text']").compactMap(\.stringValue))
        #expect(texts.contains("5m") && texts.contains("30m"))
    }

    /// A fault that lasts is shaded from where it landed to where its action ended (the thaw); an
    /// instant one (a pod deleted) is only a guide.
    @Test func aLastingFaultIsShadedAsAWindow() throws {
        var result = ReportFixtures.podKill()
        result.steps.append(StepResult(name: "freeze-postgres", verdict: .passed, start: 30, end: 65,
                                       operations: [OperationResult(block: "try", action: "freeze", verdict: .passed, start: 30, end: 60,
                                                                    faultLandedAt: 30.2, message: "froze postgres-0/postgres for 30s")]))
        let doc = try parseXML(TimelineChart(result: result).svg())
        let windows = try doc.elements("//*[@data-fault-window]")
        #expect(windows.compactMap { $0.attr("data-fault-window") } == ["freeze-postgres"])
        #expect(try doc.elements("//*[@data-fault-window]/*[local-name()='title']").first?.stringValue == "freeze-postgres: freeze, from \(ReportFormat.offset(30.2)) to \(ReportFormat.offset(60))")
    }

    @Test func scalesPickRoundNumbers() {
        #expect(ChartScale.niceCeiling(14) == 20)
        #expect(ChartScale.niceCeiling(31) == 50)
        #expect(ChartScale.niceCeiling(1930) == 2000)
        #expect(ChartScale.niceFloor(12.3) == 10)
        #expect(ChartScale.niceFloor(0.7) == 0.5)
        #expect(ChartScale.timeStep(span: 124.6) == 15)
        #expect(ChartScale.timeStep(span: 1800) == 300)
        let log = ChartScale.latency(values: [12, 1930], top: 0, bottom: 100)
        #expect(log.kind == .log)
        #expect(log.ticks == [10, 100, 1000, 2000])
        #expect(log.y(10) == 100 && log.y(2000) == 0)
        let linear = ChartScale.latency(values: [10, 48], top: 0, bottom: 100)
        #expect(linear.kind == .linear)
        #expect(linear.ticks == [0, 25, 50])
    }
}
