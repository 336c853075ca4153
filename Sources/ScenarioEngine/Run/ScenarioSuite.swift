import ClusterProviders
import Foundation
import LabrunCore
import StackLifecycle
import StackModel
import ScenarioModel

/// The library entry point the CLI and the end-to-end tests call: select scenarios, find the
/// cluster, run each scenario in its own namespace, return the results.
public struct ScenarioSuite: Sendable {
    public let session: LabSession
    public let options: RunOptions
    /// Where the scenario files are (see `defaultDirectory`).
    public let directory: String

    public init(session: LabSession, options: RunOptions = RunOptions(), directory: String? = nil) {
        self.session = session
        self.options = options
        self.directory = directory ?? Self.defaultDirectory(stack: session.options.stack, layout: session.layout)
    }

    /// `scenarios/` beside the stack file when it has one, else the project's `scenarios/`.
    public static func defaultDirectory(stack: Stack, layout: ProjectLayout) -> String {
        let beside = (stack.file as NSString).deletingLastPathComponent + "/scenarios"
        var isDirectory: ObjCBool = false
        return FileManager.default.fileExists(atPath: beside, isDirectory: &isDirectory) && isDirectory.boolValue
            ? beside : layout.path("scenarios")
    }

    /// The catalogue of `directory`, validated against the session's stack (nothing touches the cluster).
    public func catalog() throws -> ScenarioCatalog { try ScenarioCatalog(directory: directory, stack: session.options.stack) }

    /// What `labrun run`, `labrun all` and the end-to-end tests do: validate every file, select
    /// (see `ScenarioCatalog.select`), start the cluster when it does not run, then run the selected
    /// scenarios one after another; `failFast` stops after the first that does not pass, and
    /// `finished` hears each result as it comes.
    ///
    /// Throws before touching the cluster when a file is invalid, a name unknown or no provider
    /// available; failures of a scenario are in its result. When the calling task is cancelled
    /// (Ctrl-C), the running scenario cleans up and the remaining ones are not started.
    public func run(names: [String] = [], labels: [String: String] = [:], failFast: Bool = false,
                    finished: @Sendable (ScenarioResult) -> Void = { _ in }) async throws -> [ScenarioResult] {
        let scenarios = try catalog().select(names: names, labels: labels)
        guard !scenarios.isEmpty else {
            throw LabrunError(id: ErrorID.scenarioNoneSelected, exitCode: ExitCode.usage,
                              message: "No scenario matches the names and labels given.",
                              advice: "`labrun list` shows every scenario and its labels.")
        }
        let (provider, _) = try await session.startCluster()
        let driver = try await ClusterDriver.make(stack: session.options.stack, provider: provider, session: session)
        let runner = ScenarioRunner(driver: driver, clock: session.clock, options: options)
        var results: [ScenarioResult] = []
        for scenario in scenarios {
            if Task.isCancelled { break }
            session.console.info("▶ \(scenario.name): \(scenario.metadata.description)")
            let result = await runner.run(scenario)
            session.console.info("\(result.verdict == .passed ? "✓" : "✗") \(scenario.name): \(result.verdict.rawValue) in \(formatSeconds(result.durationSeconds))"
                                 + (result.abortReason.map { " — \($0)" } ?? ""))
            results.append(result)
            finished(result)
            if failFast && result.verdict != .passed {
                let skipped = scenarios.count - results.count
                if skipped > 0 { session.console.warn("--fail-fast: \(skipped) scenario(s) not run") }
                break
            }
        }
        return results
    }
}
