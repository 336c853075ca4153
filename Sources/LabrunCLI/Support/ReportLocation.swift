import ArgumentParser
import Foundation
import Reports

/// Where reports and the run history are (`run`, `all`, `labrun <scenario>`, `compare`, `baseline`).
struct ReportLocation: ParsableArguments, Sendable {
    @Option(name: .customLong("report-dir"),
            help: ArgumentHelp("Directory for junit.xml, result.json, summary.json, report.html, failure diagnostics and the run history.",
                               valueName: "dir"))
    var directory = "labrun-report"

    @Option(name: .customLong("history"),
            help: ArgumentHelp("The run history file (default: history.jsonl in the report directory); baselines are kept in baselines/ beside it.",
                               valueName: "file"))
    var historyFile: String?

    init() {}

    func validate() throws {
        if directory.isEmpty { throw ValidationError("--report-dir needs a path.") }
        if let historyFile, historyFile.isEmpty { throw ValidationError("--history needs a path.") }
    }

    /// The run history these options name.
    var history: RunHistory {
        if let historyFile { return RunHistory(file: URL(fileURLWithPath: (historyFile as NSString).expandingTildeInPath)) }
        return RunHistory(reportDirectory: URL(fileURLWithPath: directory))
    }
}
