import Foundation
import Testing
#if canImport(FoundationXML)
import FoundationXML
#endif
import ScenarioModel
@testable import Reports

@Suite struct HTMLReportTests {
    let html = HTMLReport().render(ReportFixtures.all, generatedAt: ReportFixtures.started.addingTimeInterval(600))

    @Test func thePageIsSelfContained() {
        #expect(html.hasPrefix("<!DOCTYPE html>"))
        #expect(!html.contains("<script"))
        #expect(!html.contains("<link"))
        #expect(!html.contains("src="))
        #expect(!html.contains("@import"))
        #expect(!html.contains("url("))
        // The only absolute URL is the SVG namespace.
        let urls = html.components(separatedBy: "http://").count + html.components(separatedBy: "https://").count - 2
        #expect(urls == html.components(separatedBy: "http://www.w3.org/2000/svg").count - 1)
    }

    @Test func theSummaryHasARowPerScenarioWithWordsForVerdicts() {
        #expect(html.contains("<a href=\"#s1-chaos-rolling-update\">chaos-rolling-update</a>"))
        #expect(html.contains("<a href=\"#s2-chaos-pod-kill\">chaos-pod-kill</a>"))
        #expect(html.contains("id=\"s3-db-persistence-restart\""))
        #expect(html.contains("<span class=\"badge failed\">FAILED</span>"))
        #expect(html.contains("<span class=\"badge error\">ERROR</span>"))
        #expect(html.contains("<span class=\"badge skipped\">skipped</span>"))
        #expect(html.contains("<title>labrun report — ERROR</title>"))
        #expect(html.contains("Stopped early:</strong> The steady state did not hold before the run"))
    }

    @Test func failureDetailsAreEscapedInPre() {
        #expect(html.contains("<pre>--- expected\n+++ actual\n- id=7 title=&lt;buy milk &amp; eggs&gt; done=false"))
        #expect(!html.contains("<buy milk"))
        #expect(!html.contains("\u{1B}"))
        #expect(html.contains("34 of 1491 requests failed:\n  status 503: 21"))
    }

    @Test func thePhaseTableShowsEveryPhase() {
        #expect(html.contains("<td>during</td><td class=\"num\">30s–1m20s</td><td class=\"num\">1491</td>"))
        #expect(html.contains("<td class=\"num\">2.3%</td>"))
        #expect(html.contains("<td class=\"num\">1.93s</td>"))
        #expect(html.contains("<td class=\"num\">12.8ms</td>"))
        #expect(html.contains("connection: 13, status 503: 21"))
    }

    @Test func theLoadSectionSaysTheRateAndWhereItCameFrom() {
        #expect(html.contains("<p class=\"load-rate\">Load at <strong>30 req/s</strong> (a fixed rate).</p>"))
        #expect(html.contains("<p class=\"load-rate\">Load at <strong>20 req/s</strong>: 95% of the capacity measured at the "
                              + "start of the run, 21.1 req/s (closed loop, 4 at a time, 10s, 213 requests, 2 failed).</p>"))
        #expect(html.components(separatedBy: "<h3>Load by phase</h3>").count == 3, "the run without load has no load section")
    }

    @Test func collectedFilesAreLinkedRelatively() {
        #expect(html.contains("<a href=\"chaos-rolling-update/pods/backend-6f9c-b2.log\">"))
        #expect(HTMLReport.relativeHref("../etc/passwd") == nil)
        #expect(HTMLReport.relativeHref("/etc/passwd") == nil)
        #expect(HTMLReport.relativeHref("javascript:alert(1)") == nil)
        #expect(HTMLReport.relativeHref("s/pod logs#1.txt") == "s/pod%20logs%231.txt")
    }

    @Test func theTimelineIsWellFormedSVGWithEveryLane() throws {
        let svg = try #require(firstSVG(in: html))
        let doc = try parseXML(svg)
        let lanes = try doc.elements("//*[@data-lane]").compactMap { $0.attr("data-lane") }
        #expect(lanes == ["requests", "errors", "latency", "versions", "steps", "chaos", "pods"])
        let texts = Set(try doc.elements("//*[local-name()='text']").compactMap(\.stringValue))
        for label in ["Requests sent/s", "Errors/s", "Latency (ms)", "Version mix", "Chaos events", "Pod events",
                      "before", "during", "after", "recovery", "p50", "p99", "v1", "v2", "0s", "1m", "2m",
                      "kill backend pod", "landed: pod replaced", "recovered: replicas ready", "peak 14/s at 51s",
                      "time since the run started"] {
            #expect(texts.contains(label), "label \(label)")
        }
        // Latency spans 12ms..1.9s: a log axis, ticked in ms.
        #expect(texts.contains("log scale"))
        #expect(texts.contains("10ms") && texts.contains("100ms") && texts.contains("1000ms"))
        let phases = try doc.elements("//*[@data-phase]").compactMap { $0.attr("data-phase") }
        #expect(phases == ["before", "during", "after"])
        let versions = try doc.elements("//*[@data-version]").compactMap { $0.attr("data-version") }
        #expect(versions == ["v1", "v2"])
        let kinds = try doc.elements("//*[@data-kind]").compactMap { $0.attr("data-kind") }
        #expect(kinds.filter { $0 == "faultLanded" }.count == 2)
        #expect(kinds.filter { $0 == "recovered" }.count == 2)
        #expect(kinds.filter { $0 == "pod" }.count == 9)
        #expect(try doc.elements("//*[@data-series]").count == 2)
    }

    @Test func aRunWithoutLoadSaysSoInsteadOfDrawingNothing() throws {
        let page = HTMLReport().render([ReportFixtures.aborted()], generatedAt: ReportFixtures.started)
        let svg = try #require(firstSVG(in: page))
        let doc = try parseXML(svg)
        let texts = try doc.elements("//*[local-name()='text']").compactMap(\.stringValue)
        #expect(texts.contains("no background load ran"))
        #expect(texts.contains("no version header data"))
    }

    /// Writes the fixture report for a look in a browser: to `LABRUN_REPORT_PREVIEW` when set.
    @Test func writesAPreviewWhenAsked() throws {
        guard let dir = ProcessInfo.processInfo.environment["LABRUN_REPORT_PREVIEW"] else { return }
        let paths = try ReportWriter(directory: URL(fileURLWithPath: dir)).write(ReportFixtures.all,
                                                                                 generatedAt: ReportFixtures.started)
        #expect(FileManager.default.fileExists(atPath: paths.html.path))
    }
}
