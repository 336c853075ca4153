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

    /// Checked before the run: a report directory that is a file, read-only or in /proc used to be
    /// found out only when the reports were written, after the whole run.
    func validate() throws {
        try FlagCheck.writableDirectory(directory, flag: "--report-dir")
        if let historyFile { try FlagCheck.writableFile(historyFile, flag: "--history") }
    }

    /// The run history these options name.
    var history: RunHistory {
        if let historyFile { return RunHistory(file: URL(fileURLWithPath: (historyFile as NSString).expandingTildeInPath)) }
        return RunHistory(reportDirectory: URL(fileURLWithPath: directory))
    }
}
