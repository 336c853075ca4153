import Foundation
import LabrunCore
import Testing
import ScenarioModel
@testable import Reports

/// An invariant's samples reach every report: how many were taken, how many broke, when the first
/// did and what it saw — in the HTML page, the JUnit failure, and `result.json` as the assertion's `invariant`.
@Suite struct InvariantReportTests {
    /// A rollout during which reads of a known task broke three times in 41 samples.
    static func result(secret: String = "") -> ScenarioResult {
        var samples = InvariantSamples(start: 62)
        for second in 0..<41 {
            let at = 62 + Double(second)
            if (8...10).contains(second) {
                samples.record(CheckAttempt(result: .failed("reads", kind: "http", "POST /api/tasks: status 503, expected 201\(secret)",
                                                             details: ["at $.title:", "  - expected: \"known\"", "  + actual:   (missing)"])),
                               at: at)
            } else {
                samples.record(CheckAttempt(result: .passed("reads", kind: "http", "POST /api/tasks → 201")), at: at)
            }
        }
        samples.close(at: 103.4)
        var result = ReportFixtures.rollingUpdate()
        result.assertions.append(InvariantEvaluator.evaluate(Invariant(throughout: "roll-to-v2"), name: "a known task is read throughout",
                                                             kind: "http", samples: samples))
        return result
    }

    static let message = "broke in 3 of 41 samples throughout step roll-to-v2 (62.0–103.4 s): "
        + "first at 70.0 s (8.0 s into the step): POST /api/tasks: status 503, expected 201"

    @Test func theHTMLPageShowsTheCountsTheFirstBrokenSampleAndWhatItSaw() {
        let html = HTMLReport().render([Self.result()], generatedAt: ReportFixtures.started)
        #expect(html.contains(Self.message))
        #expect(html.contains("samples that did not match (3):\n  at 70.0 s (8.0 s into the step): POST /api/tasks: status 503, expected 201"))
        #expect(html.contains("<pre>at $.title:\n  - expected: \"known\""), "the first broken sample's diff leads")
        #expect(html.contains("measured: firstBrokeAt = 70, firstBrokeInto = 8, mismatched = 3, samples = 41, unanswered = 0"))
    }

    @Test func junitCarriesTheSameFailure() {
        let xml = JUnitReport().render([Self.result()])
        #expect(xml.contains("message=\"" + Self.message + "\""))
    }

    @Test func theJSONResultHoldsTheSamplesAndReadsBack() throws {
        let data = try JSONReport().render([Self.result()])
        let text = String(decoding: data, as: UTF8.self)
        #expect(text.contains(#""invariant" : {"#))
        #expect(text.contains(#""taken" : 41"#))
        #expect(text.contains(#""mismatched" : 3"#))
        #expect(text.contains(#""lastMismatchAt" : 72"#))
        let read = try JSONReport.decode(data)
        let samples = try #require(read.first?.assertions.last?.invariant)
        #expect(samples.firstMismatches.map(\.at) == [70, 71, 72])
        #expect(samples.start == 62 && samples.end == 103.4)
    }

    @Test func aSecretInWhatASampleSawIsMaskedInTheJSONToo() throws {
        let secret = "s3cr3t-\(UUID().uuidString.prefix(8))"
        Redactor.shared.register(secret)
        let text = String(decoding: try JSONReport().render([Self.result(secret: secret)]), as: UTF8.self)
        #expect(!text.contains(secret))
        #expect(text.contains(Redactor.mask))
    }
}
