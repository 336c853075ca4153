import ArgumentParser
import Foundation
import LabrunCore
import Reports
import ScenarioEngine
import StackLifecycle
import ScenarioModel

/// What `run`, `all` and `labrun <scenario>` share: validate every scenario file first, make sure
/// the cluster runs, run the selected scenarios (each `--repeat` times) with a live progress line,
/// append to the run history, write the reports, and fail (exit 1) when any scenario did not pass —
/// a flaky one (passed only some of its runs) included.
enum ScenarioCommandRunner {
    static func run(names: [String], global: GlobalOptions, options: ScenarioOptions, registry: RegistryOptions) async throws {
        try await CommandRunner.run(global, registry: registry) { session in
            let console = session.console
            let startedAt = session.clock.wallTime()
            let progress = LiveProgress(view: ProgressView(console: console))
            let runOptions = RunOptions(
                reportDirectory: options.reportDirectory, namespace: options.reuseNamespace, keepNamespace: options.keep,
                onEvent: { progress.event($0, $1) }, onRequest: { progress.request($0, $1) })
            let suite = options.source.suite(session, options: runOptions)
            // Every file is validated before anything touches the cluster (the suite's first step).
            let results: [ScenarioResult]
            do {
                results = try await suite.run(names: names, labels: options.labelSelector, failFast: options.failFast,
                                              parallel: options.parallel, repeats: options.repeats,
                                              expectedSeconds: expectedSeconds(options.reports.history),
                                              finished: { progress.finish($0.runName) })
            } catch let error as ScenarioValidationError {
                throw error.labrunError
            }
            progress.finish()

            let summaries = RepeatSummary.summarize(results)
            let history = record(summaries, startedAt: startedAt, in: options.reports.history, console: console)
            let paths = try ReportWriter(directory: URL(fileURLWithPath: options.reportDirectory)).write(results, history: history)
            console.result(summary(results))
            if options.repeats > 1 { console.result(RepeatsText.render(summaries)) }
            let regressions = HistoryComparison.againstPrevious(history.records, scenarios: summaries.map(\.scenario)).filter(\.regressed)
            if !regressions.isEmpty {
                console.warn("regressions against the previous run (`labrun compare` for the details): "
                             + regressions.map(\.scenario).joined(separator: ", "))
            }
            console.result("reports: " + paths.files.map(\.path).joined(separator: "\n         ")
                           + "\nhistory: \(history.file)")
            let skipped = summaries.filter { $0.verdict == .skipped }.map(\.scenario)
            if !skipped.isEmpty && skipped.count < summaries.count {
                console.warn("skipped, so not proven by this run: \(skipped.joined(separator: ", ")) (each line above says why)")
            }
            if let failure = failure(summaries, report: paths.html.path) { throw failure }
        }
    }

    /// How long each scenario took the last time it ran (its median `duration` then), from the run
    /// history, so the suite starts the longest first; empty when there is no usable history (the
    /// suite then keeps the order given — a history that cannot be read is reported after the run).
    static func expectedSeconds(_ history: RunHistory) -> [String: Double] {
        guard let records = try? history.read() else { return [:] }
        var seconds: [String: Double] = [:]
        for record in RunHistory.latest(records) {
            if let median = record.figure("duration")?.distribution.median, median.isFinite, median > 0 {
                seconds[record.scenario] = median
            }
        }
        return seconds
    }

    /// Appends this run's records to the history and reads it back for the HTML report. A history
    /// that cannot be written or read does not fail the run: it is reported, and the report says why.
    /// An interrupted run (Ctrl-C) is not recorded: its figures would say nothing about the system.
    static func record(_ summaries: [RepeatSummary], startedAt: Date, in history: RunHistory, console: Console) -> ReportHistory {
        let runID = HistoryRecord.runID(startedAt)
        if Task.isCancelled {
            return ReportHistory(file: history.file.path, problem: "this run was interrupted, so it was not added to the history")
        }
        do {
            try history.append(summaries.map { HistoryRecord(run: runID, at: startedAt, summary: $0) })
            return ReportHistory(file: history.file.path, records: try history.read())
        } catch {
            let message = (error as? LabrunError)?.message ?? "\(error)"
            console.warn("run history: " + message)
            return ReportHistory(file: history.file.path, problem: message)
        }
    }

    /// The command's error when a scenario did not pass: `SCENARIO_FAILED` when one failed or could not
    /// run, else `SCENARIO_FLAKY` when one passed only some of its runs (both exit 1); nil when all passed.
    /// A skipped scenario (the cluster cannot host it: a node fault on one node) fails nothing beside
    /// others that ran — it is named in a warning — but when every one was skipped nothing was proven:
    /// `SCENARIO_SKIPPED` (exit 1).
    static func failure(_ summaries: [RepeatSummary], report: String) -> LabrunError? {
        let notPassed = summaries.filter { !$0.verdict.isSuccess && $0.verdict != .skipped }
        if notPassed.isEmpty, !summaries.isEmpty, summaries.allSatisfy({ $0.verdict == .skipped }) {
            return LabrunError(id: ErrorID.scenarioSkipped, exitCode: LabrunCore.ExitCode.failure,
                               message: "Nothing ran: \(summaries.map(\.scenario).joined(separator: ", ")) skipped, so nothing was proven.",
                               advice: "Each scenario's line above says why (a node fault needs a cluster of several nodes: `cluster/bare/up --nodes 2`).")
        }
        guard !notPassed.isEmpty else { return nil }
        let onlyFlaky = notPassed.allSatisfy { $0.verdict == .flaky }
        // Nothing failed, but a fault never landed: not a pass, not a failure of the stack either.
        let onlyNotLanded = notPassed.allSatisfy { $0.verdict == .faultNotLanded }
        let repeated = summaries.contains { $0.runs > 1 }
        return LabrunError(
            id: onlyNotLanded ? ErrorID.scenarioFaultNotLanded : onlyFlaky ? ErrorID.scenarioFlaky : ErrorID.scenarioFailed,
            exitCode: onlyNotLanded ? LabrunCore.ExitCode.faultNotLanded : LabrunCore.ExitCode.failure,
            message: "\(notPassed.count) of \(summaries.count) scenario(s) did not pass: "
                + notPassed.map { "\($0.scenario) (\(repeated ? RepeatsText.verdictLine($0) : $0.verdict.rawValue))" }
                    .joined(separator: ", ") + ".",
            advice: onlyNotLanded
                ? "A fault that did not land proves nothing about the stack: open \(report) for what was expected and what was seen."
                : onlyFlaky
                ? "A flaky scenario passes only sometimes: open \(report) for the failed runs and the distributions, and `labrun compare` for the trend."
                : "Open \(report) for the timeline, the failed assertions and their diffs.")
    }

    /// The validated catalogue; an invalid file becomes the user-facing `SCENARIO_INVALID` error (exit 65).
    static func catalog(_ suite: ScenarioSuite) throws -> ScenarioCatalog {
        do { return try suite.catalog() } catch let error as ScenarioValidationError { throw error.labrunError }
    }

    /// One line per scenario: verdict, duration, assertions passed.
    static func summary(_ results: [ScenarioResult]) -> String {
        results.map { result in
            let passed = result.assertions.filter { $0.verdict == .passed }.count
            let mark = result.verdict == .passed ? "✓" : "✗"
            return "\(mark) \(result.runName): \(result.verdict.rawValue) in \(formatSeconds(result.durationSeconds)), "
                + "\(passed)/\(result.assertions.count) assertions passed"
                + (result.abortReason.map { " — \($0)" } ?? "")
        }.joined(separator: "\n")
    }
}
