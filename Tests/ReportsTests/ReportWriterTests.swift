import Foundation
import Testing
import LabrunCore
import ScenarioModel
@testable import Reports

@Suite struct ReportWriterTests {
    private func temporaryDirectory() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("labrun-reports-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    @Test func writesTheThreeFilesIntoANewDirectory() throws {
        let base = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: base) }
        let dir = base.appendingPathComponent("runs/2027-01-15")
        let paths = try ReportWriter(directory: dir).write(ReportFixtures.all, generatedAt: ReportFixtures.started)
        #expect(paths.junit.lastPathComponent == "junit.xml")
        #expect(paths.json.lastPathComponent == "result.json")
        #expect(paths.html.lastPathComponent == "report.html")
        for url in paths.files {
            #expect(url.deletingLastPathComponent().standardizedFileURL.path == dir.standardizedFileURL.path)
            let size = try FileManager.default.attributesOfItem(atPath: url.path)[.size] as? Int ?? 0
            #expect(size > 500, "\(url.lastPathComponent) has content")
        }
        #expect(try JSONReport.decode(Data(contentsOf: paths.json)) == ReportFixtures.all)
        // Written again: replaced, not appended.
        try ReportWriter(directory: dir).write([ReportFixtures.podKill()])
        #expect(try JSONReport.decode(Data(contentsOf: paths.json)).count == 1)
    }

    @Test func aLinkPlantedInTheDirectoryIsReplacedNotFollowed() throws {
        let base = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: base) }
        let outside = base.appendingPathComponent("precious.txt")
        try Data("keep me".utf8).write(to: outside)
        let dir = base.appendingPathComponent("report")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        try FileManager.default.createSymbolicLink(at: dir.appendingPathComponent("junit.xml"), withDestinationURL: outside)
        try ReportWriter(directory: dir).write(ReportFixtures.all)
        #expect(try String(contentsOf: outside, encoding: .utf8) == "keep me")
        let junit = try String(contentsOf: dir.appendingPathComponent("junit.xml"), encoding: .utf8)
        #expect(junit.hasPrefix("<?xml"))
        #expect((try? FileManager.default.destinationOfSymbolicLink(atPath: dir.appendingPathComponent("junit.xml").path)) == nil)
    }

    @Test func aFileInThePlaceOfTheDirectoryIsAClearError() throws {
        let base = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: base) }
        let file = base.appendingPathComponent("not-a-dir")
        try Data("x".utf8).write(to: file)
        #expect {
            try ReportWriter(directory: file).write(ReportFixtures.all)
        } throws: { error in
            guard let error = error as? LabrunError else { return false }
            return error.id == "REPORT_PATH" && error.message.contains("is not a directory")
        }
        #expect(try String(contentsOf: file, encoding: .utf8) == "x")
    }

    @Test func artefactDirectoriesStayInsideTheReportDirectory() throws {
        let base = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: base) }
        let writer = ReportWriter(directory: base.appendingPathComponent("r"))
        let dir = try writer.artifactDirectory(for: "chaos-pod-kill")
        #expect(dir.standardizedFileURL.path == base.appendingPathComponent("r/chaos-pod-kill").standardizedFileURL.path)
        for bad in ["..", "../x", "a/b", ""] {
            #expect(throws: LabrunError.self) { try writer.artifactDirectory(for: bad) }
        }
    }
}
