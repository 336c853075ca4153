import Foundation
import Testing
import ScenarioModel
@testable import Reports

@Suite struct JSONReportTests {
    @Test func theResultRoundTripsThroughCodable() throws {
        let results = ReportFixtures.all
        let data = try JSONReport().render(results)
        #expect(try JSONReport.decode(data) == results)
    }

    @Test func theOutputIsPrettyAndStable() throws {
        let results = ReportFixtures.all
        let first = try JSONReport().render(results)
        let second = try JSONReport().render(results)
        #expect(first == second)
        let text = String(decoding: first, as: UTF8.self)
        #expect(text.hasPrefix("[\n"))
        #expect(text.hasSuffix("]\n"))
        #expect(text.contains(#""startedAt" : "2027-01-15T08:00:00.000Z""#))
        // Sorted keys: within a result, `abortReason`/`artifacts` come before `verdict`.
        let artifacts = try #require(text.range(of: #""artifacts""#))
        let verdict = try #require(text.range(of: #""verdict" : "failed""#))
        #expect(artifacts.lowerBound < verdict.lowerBound)
        #expect(text.contains(#""versions" : {"#))
        #expect(text.contains(#""targetRate" : 20"#))
        #expect(text.contains(#""percentOfCapacity" : 95"#))
    }

    @Test func aResultWithoutLoadRateFieldsStillDecodes() throws {
        let aborted = String(decoding: try JSONReport().render([ReportFixtures.aborted()]), as: UTF8.self)
        #expect(!aborted.contains("targetRate") && !aborted.contains("calibration"))
        let decoded = try JSONReport.decode(Data(aborted.utf8))
        #expect(decoded.first?.targetRate == nil && decoded.first?.calibration == nil)
    }

    @Test func fractionalStartTimesSurvive() throws {
        var result = ReportFixtures.podKill()
        result.startedAt = Date(timeIntervalSince1970: 1_800_000_000.25)
        let decoded = try JSONReport.decode(JSONReport().render([result]))
        #expect(decoded.first?.startedAt == result.startedAt)
    }

    @Test func aLoadSecondWithoutVersionsStillDecodes() throws {
        let data = Data(#"{"second": 3, "sent": 30, "errors": 1, "p50": 0.01}"#.utf8)
        let second = try JSONDecoder().decode(LoadSecond.self, from: data)
        #expect(second == LoadSecond(second: 3, sent: 30, errors: 1, p50: 0.01, p99: nil))
        #expect(second.versions.isEmpty)
    }

    @Test func garbageIsReportedAsAnError() {
        #expect(throws: (any Error).self) { try JSONReport.decode(Data("{".utf8)) }
    }
}
