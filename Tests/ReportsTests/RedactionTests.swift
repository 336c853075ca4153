import Foundation
import Testing
import LabrunCore
import ScenarioModel
@testable import Reports

@Suite struct RedactionTests {
    @Test func aRegisteredSecretNeverReachesAnyReport() throws {
        let secret = "Hunter2-\(UUID().uuidString.prefix(8))"
        Redactor.shared.register(secret)
        var result = ReportFixtures.rollingUpdate()
        result.assertions.append(.failed("db login", kind: "sql", "login as todo with \(secret) failed",
                                         details: ["psql: FATAL password \(secret) rejected", "dsn: postgres://todo:\(secret)@db/todo"]))
        result.steps[0].message = "kubectl said \(secret)"
        result.timeline.append(TimelineEvent(at: 60, kind: .error, subject: "probe", detail: "token \(secret)"))
        result.abortReason = "stopped: \(secret)"

        let base = FileManager.default.temporaryDirectory.appendingPathComponent("labrun-redact-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: base) }
        let paths = try ReportWriter(directory: base).write([result])
        for url in paths.files {
            let text = try String(contentsOf: url, encoding: .utf8)
            #expect(!text.contains(secret), "\(url.lastPathComponent) leaks the secret")
            // summary.json holds names and numbers only: nothing there to mask.
            if url != paths.summary { #expect(text.contains(Redactor.mask), "\(url.lastPathComponent) shows the mask") }
        }
        // The masked files are still valid documents.
        _ = try parseXML(String(contentsOf: paths.junit, encoding: .utf8))
        _ = try JSONReport.decode(Data(contentsOf: paths.json))
    }
}
