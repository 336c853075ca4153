import ArgumentParser
import Foundation
import LabrunCore
import Reports
import ScenarioEngine
import StackLifecycle
import ScenarioModel

/// What `run`, `all` and `labrun <scenario>` share: validate every scenario file first, make sure
/// the cluster runs, run the selected scenarios with a live progress line, write the reports, and
/// fail (exit 1) when any scenario did not pass.
enum ScenarioCommandRunner {
    static func run(names: [String], global: GlobalOptions, options: ScenarioOptions) async throws {
        try await CommandRunner.run(global) { session in
            let console = session.console
            let progress = LiveProgress(view: ProgressView(console: console))
            let runOptions = RunOptions(
                reportDirectory: options.reportDirectory, namespace: options.reuseNamespace, keepNamespace: options.keep,
                onEvent: { progress.event($0, $1) }, onRequest: { progress.request($0, $1) })
            let suite = options.source.suite(session, options: runOptions)
            // Every file is validated before anything touches the cluster (the suite's first step).
            let results: [ScenarioResult]
            do {
                results = try await suite.run(names: names, labels: options.labelSelector, failFast: options.failFast,
                                              parallel: options.parallel, finished: { progress.finish($0.scenario) })
            } catch let error as ScenarioValidationError {
                throw error.labrunError
            }
            progress.finish()

            let paths = try ReportWriter(directory: URL(fileURLWithPath: options.reportDirectory)).write(results)
            console.result(summary(results))
            console.result("reports: \(paths.html.path)\n         \(paths.junit.path)\n         \(paths.json.path)")
            let notPassed = results.filter { $0.verdict != .passed }
            if !notPassed.isEmpty {
                throw LabrunError(
                    id: ErrorID.scenarioFailed, exitCode: LabrunCore.ExitCode.failure,
                    message: "\(notPassed.count) of \(results.count) scenario(s) did not pass: "
                        + notPassed.map { "\($0.scenario) (\($0.verdict.rawValue))" }.joined(separator: ", ") + ".",
                    advice: "Open \(paths.html.path) for the timeline, the failed assertions and their diffs.")
            }
        }
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
            return "\(mark) \(result.scenario): \(result.verdict.rawValue) in \(formatSeconds(result.durationSeconds)), "
                + "\(passed)/\(result.assertions.count) assertions passed"
                + (result.abortReason.map { " — \($0)" } ?? "")
        }.joined(separator: "\n")
    }
}
