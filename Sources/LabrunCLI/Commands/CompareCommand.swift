import ArgumentParser
import Foundation
import LabrunCore
import Reports

/// `labrun compare [NAME…]`: each scenario's newest run against its previous one, or a named baseline.
struct CompareCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "compare",
        abstract: "Compare the newest run of each scenario with its previous run or a named baseline, and flag regressions.",
        discussion: """
            Reads the run history (history.jsonl in the report directory, or --history) that `labrun run` \
            and `labrun all` append to. Each key figure (recovery times, error windows, each phase's p50, \
            p99 and error rate, the duration) is compared by its median; a figure regressed when it got \
            worse by more than the scenario's metadata.regressionPercent (default 25) and by more than a \
            noise floor (0.1 s, or half a percentage point of error rate); a verdict regressed when it was \
            passed and is not (flaky included). Exit status 1 when anything regressed. Touches no cluster.
            """)

    @OptionGroup var reports: ReportLocation

    @Option(name: .long, help: ArgumentHelp("Compare against this baseline (saved with `labrun baseline save NAME`) instead of the previous run.",
                                            valueName: "name"))
    var baseline: String?

    @Argument(help: "Scenario names (default: every scenario in the history).")
    var names: [String] = []

    func run() async throws {
        try HistoryCommandRunner.run { console in
            let history = reports.history
            let records = try history.read()
            guard !records.isEmpty else {
                throw LabrunError(id: ErrorID.historyEmpty, exitCode: LabrunCore.ExitCode.usage,
                                  message: "The run history \(history.file.path) holds no run yet.",
                                  advice: "Run scenarios first (`labrun run NAME` or `labrun all`); each run appends to it.")
            }
            let comparisons: [HistoryComparison]
            let against: String
            if let baseline {
                comparisons = HistoryComparison.againstBaseline(records, baseline: try history.baseline(baseline), scenarios: names)
                against = "baseline \(baseline)"
            } else {
                comparisons = HistoryComparison.againstPrevious(records, scenarios: names)
                against = "the history"
            }
            let unknown = names.filter { name in !comparisons.contains { $0.scenario == name } }
            guard unknown.isEmpty else {
                throw LabrunError(id: ErrorID.scenarioUnknown, exitCode: LabrunCore.ExitCode.usage,
                                  message: "The run history \(history.file.path) has no run of \(unknown.joined(separator: ", ")).",
                                  advice: "Scenarios in it: \(Set(records.map(\.scenario)).sorted().joined(separator: ", ")).")
            }
            console.result(HistoryComparison.text(comparisons, against: against))
            let regressed = comparisons.filter(\.regressed)
            if !regressed.isEmpty {
                throw LabrunError(id: ErrorID.historyRegression, exitCode: LabrunCore.ExitCode.failure,
                                  message: "\(regressed.count) scenario(s) regressed against \(baseline.map { "baseline \($0)" } ?? "their previous run"): "
                                    + regressed.map(\.scenario).joined(separator: ", ") + ".",
                                  advice: "The lines marked REGRESSED name each figure; report.html shows its trend.")
            }
        }
    }
}

/// `labrun baseline save NAME` / `labrun baseline list`: named reference points in the run history.
struct BaselineCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "baseline",
        abstract: "Save the newest run of each scenario as a named baseline, or list the baselines.",
        discussion: "A baseline is a copy of the newest history record of each scenario, in baselines/NAME.jsonl beside the history file; `labrun compare --baseline NAME` compares against it.",
        subcommands: [BaselineSaveCommand.self, BaselineListCommand.self])
}

struct BaselineSaveCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "save", abstract: "Save the newest run of each scenario in the history as baseline NAME (replacing one of that name).")

    @OptionGroup var reports: ReportLocation

    @Argument(help: "The baseline's name: letters, digits, '.', '_' and '-', e.g. v1.2 or before-upgrade.")
    var name: String

    func run() async throws {
        try HistoryCommandRunner.run { console in
            let records = try reports.history.saveBaseline(name)
            console.result("baseline \(name): " + records.map { "\($0.scenario) (\($0.run), \($0.verdict.rawValue))" }.joined(separator: ", "))
        }
    }
}

struct BaselineListCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "list", abstract: "List the saved baselines.")

    @OptionGroup var reports: ReportLocation

    func run() async throws {
        try HistoryCommandRunner.run { console in
            let names = reports.history.baselineNames()
            console.result(names.isEmpty ? "no baseline saved in \(reports.history.baselineDirectory.path)" : names.joined(separator: "\n"))
        }
    }
}

/// Runs a history command (no cluster, no stack) with a console for its results: a `LabrunError`
/// becomes `error: …`, advice and its exit code.
enum HistoryCommandRunner {
    static func run(_ body: (Console) throws -> Void) throws {
        let console = Console(level: .normal)
        do {
            try body(console)
        } catch let error as LabrunError {
            CommandRunner.report(error, console: console)
            throw ArgumentParser.ExitCode(error.exitCode)
        }
    }
}
