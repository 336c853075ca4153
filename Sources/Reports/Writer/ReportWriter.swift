import Foundation
import LabrunCore
import ScenarioModel

/// Writes a run's reports into a report directory: `junit.xml`, `result.json`, `summary.json` (the
/// verdict over the runs of each scenario, flaky included, and the distributions of `--repeat`) and
/// `report.html`. The run history (`history.jsonl`, `RunHistory`) lives there too but is appended by
/// its own type.
///
/// The directory is created when missing. Only those four names inside it are written, each
/// atomically (a temporary file renamed over the old one), so a symbolic link planted at one of
/// them is replaced rather than followed, and nothing outside the directory is ever touched.
/// Failure artefacts (pod logs, events) are written by the engine into `<directory>/<scenario>/…`
/// and listed in `ScenarioResult.artifacts`; the HTML report links them.
///
/// ```swift
/// let writer = ReportWriter(directory: URL(fileURLWithPath: "reports/chaos-pod-kill-20270115T080000Z"))
/// let folder = try writer.artifactDirectory(for: result.scenario)  // on failure: pod logs, events
/// result.artifacts = ["\(result.scenario)/events.txt"]              // relative to the report directory
/// let paths = try writer.write([result])
/// console.result("Report: \(paths.html.path)")
/// ```
public struct ReportWriter: Sendable {
    /// Where the reports of a run were written.
    public struct Paths: Sendable, Hashable {
        public var directory: URL
        public var junit: URL
        public var json: URL
        public var html: URL
        public var summary: URL

        /// Every file, in the order they are usually shown.
        public var files: [URL] { [html, junit, json, summary] }
    }

    public static let junitName = "junit.xml"
    public static let jsonName = "result.json"
    public static let htmlName = "report.html"
    public static let summaryName = "summary.json"

    public let directory: URL
    private let redactor: Redactor

    public init(directory: URL, redactor: Redactor = .shared) {
        self.directory = directory.standardizedFileURL
        self.redactor = redactor
    }

    /// The paths the reports go to (whether or not they exist yet).
    public var paths: Paths {
        Paths(directory: directory,
              junit: directory.appendingPathComponent(Self.junitName),
              json: directory.appendingPathComponent(Self.jsonName),
              html: directory.appendingPathComponent(Self.htmlName),
              summary: directory.appendingPathComponent(Self.summaryName))
    }

    /// Renders and writes every report (the HTML with the run history when given); returns where they are.
    @discardableResult
    public func write(_ results: [ScenarioResult], generatedAt: Date = Date(), history: ReportHistory? = nil) throws -> Paths {
        try prepareDirectory()
        let paths = self.paths
        let junit = JUnitReport(redactor: redactor).render(results)
        let json = try JSONReport(redactor: redactor).render(results)
        let summary = try JSONReport(redactor: redactor).renderSummary(results)
        let html = HTMLReport(redactor: redactor).render(results, generatedAt: generatedAt, history: history)
        try save(Data(junit.utf8), to: paths.junit)
        try save(json, to: paths.json)
        try save(summary, to: paths.summary)
        try save(Data(html.utf8), to: paths.html)
        return paths
    }

    /// The directory for one scenario's failure artefacts (`<directory>/<scenario>`), created when missing.
    ///
    /// Only a plain scenario name is accepted (no `/`, no `..`), so artefacts always land inside the report directory.
    public func artifactDirectory(for scenario: String) throws -> URL {
        guard !scenario.isEmpty, scenario != ".", scenario != "..", !scenario.contains("/") else {
            throw LabrunError(id: ErrorID.reportPath, exitCode: ExitCode.invalidInput,
                              message: "Cannot keep files for scenario \"\(scenario)\": the name is not a plain file name.",
                              advice: "Name scenarios with letters, digits and dashes.")
        }
        try prepareDirectory()
        let url = directory.appendingPathComponent(scenario, isDirectory: true)
        try createDirectory(url)
        return url
    }

    private func prepareDirectory() throws {
        try createDirectory(directory)
    }

    private func createDirectory(_ url: URL) throws {
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory) {
            guard isDirectory.boolValue else {
                throw LabrunError(id: ErrorID.reportPath, exitCode: ExitCode.invalidInput,
                                  message: "Cannot write reports to \(url.path): it exists and is not a directory.",
                                  advice: "Choose another report directory, or move that file away.")
            }
            return
        }
        do {
            try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        } catch {
            throw LabrunError(id: ErrorID.reportWrite, exitCode: ExitCode.failure,
                              message: "Could not create the report directory \(url.path): \(Self.reason(error)).",
                              advice: "Check that the parent directory exists and is writable, or choose another one.")
        }
    }

    private func save(_ data: Data, to url: URL) throws {
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory), isDirectory.boolValue {
            throw LabrunError(id: ErrorID.reportPath, exitCode: ExitCode.invalidInput,
                              message: "Cannot write \(url.path): a directory of that name is in the way.",
                              advice: "Remove it or choose another report directory.")
        }
        // Replace a symbolic link itself instead of writing through it to a file elsewhere.
        if (try? FileManager.default.destinationOfSymbolicLink(atPath: url.path)) != nil {
            try? FileManager.default.removeItem(at: url)
        }
        do {
            try data.write(to: url, options: .atomic)
        } catch {
            throw LabrunError(id: ErrorID.reportWrite, exitCode: ExitCode.failure,
                              message: "Could not write \(url.path): \(Self.reason(error)).",
                              advice: "Check the free space and permissions of the report directory.")
        }
    }

    private static func reason(_ error: any Error) -> String {
        (error as NSError).localizedDescription
    }
}
