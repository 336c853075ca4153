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

    /// How many scenarios run at once by default (`labrun all`, the end-to-end tests): up to one per
    /// core and per 6 GiB of memory (each deploys a stack and drives its load), 1 to 4.
    public static var defaultParallel: Int {
        let info = ProcessInfo.processInfo
        let byMemory = Int(info.physicalMemory / (6 << 30))
        return max(1, min(4, info.activeProcessorCount, byMemory))
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
    /// scenarios: those that must run alone (`Scenario.isExclusive`) first, one at a time, then the
    /// others `parallel` at a time, each in its own namespace. `failFast` starts no further scenario
    /// once one did not pass; `finished` hears each result as it comes. Results are in selection order.
    ///
    /// Throws before touching the cluster when a file is invalid, a name unknown or no provider
    /// available; failures of a scenario are in its result. When the calling task is cancelled
    /// (Ctrl-C), the running scenarios clean up and the remaining ones are not started.
    public func run(names: [String] = [], labels: [String: String] = [:], failFast: Bool = false, parallel: Int = 1,
                    finished: @escaping @Sendable (ScenarioResult) -> Void = { _ in }) async throws -> [ScenarioResult] {
        let scenarios = try catalog().select(names: names, labels: labels)
        guard !scenarios.isEmpty else {
            throw LabrunError(id: ErrorID.scenarioNoneSelected, exitCode: ExitCode.usage,
                              message: "No scenario matches the names and labels given.",
                              advice: "`labrun list` shows every scenario and its labels.")
        }
        let (provider, _) = try await session.startCluster()
        let driver = try await ClusterDriver.make(stack: session.options.stack, provider: provider, session: session)
        let runner = ScenarioRunner(driver: driver, clock: session.clock, options: options)
        let console = session.console
        let plan = SuitePlan(scenarios, parallel: parallel)
        if plan.width > 1 {
            console.info("running \(plan.shared.count) scenario(s) \(plan.width) at a time"
                         + (plan.alone.isEmpty ? "" : ", after \(plan.alone.map(\.name).joined(separator: ", ")) alone (it disturbs the whole cluster)"))
        }
        let results = await plan.run(failFast: failFast) { scenario in
            console.info("▶ \(scenario.name): \(scenario.metadata.description)")
            let result = await runner.run(scenario)
            console.info("\(result.verdict == .passed ? "✓" : "✗") \(scenario.name): \(result.verdict.rawValue) in \(formatSeconds(result.durationSeconds))"
                         + (result.abortReason.map { " — \($0)" } ?? ""))
            finished(result)
            return result
        }
        let notRun = scenarios.count - results.count
        if notRun > 0 && failFast { console.warn("--fail-fast: \(notRun) scenario(s) not run") }
        return results
    }
}

/// Which scenarios run alone and how many of the others at a time; `run` schedules them. Pure
/// apart from the body it is given, so the scheduling is unit-tested.
struct SuitePlan: Sendable {
    /// Every scenario, in the order given (the order of the results).
    var all: [Scenario]
    /// Scenarios that disturb the whole cluster, one at a time, first.
    var alone: [Scenario]
    /// The others, `width` at a time.
    var shared: [Scenario]
    var width: Int

    init(_ scenarios: [Scenario], parallel: Int) {
        all = scenarios
        alone = scenarios.filter(\.isExclusive)
        shared = scenarios.filter { !$0.isExclusive }
        width = max(1, min(parallel, shared.count))
    }

    /// Runs every scenario through `body`: the exclusive ones one at a time, then the others `width`
    /// at a time. With `failFast`, nothing more starts once a result did not pass; a cancelled task
    /// starts nothing more either. Results come back in the order the scenarios were given.
    func run(failFast: Bool, _ body: @escaping @Sendable (Scenario) async -> ScenarioResult) async -> [ScenarioResult] {
        let stop = StopFlag()
        var results: [String: ScenarioResult] = [:]
        func keep(_ result: ScenarioResult) {
            results[result.scenario] = result
            if failFast && result.verdict != .passed { stop.set() }
        }
        for scenario in alone {
            if Task.isCancelled || stop.isSet { break }
            keep(await body(scenario))
        }
        await withTaskGroup(of: ScenarioResult.self) { group in
            var pending = shared[...]
            var active = 0
            while true {
                while active < width, let next = pending.first, !Task.isCancelled, !stop.isSet {
                    pending = pending.dropFirst()
                    active += 1
                    group.addTask { await body(next) }
                }
                guard let result = await group.next() else { break }
                active -= 1
                keep(result)
            }
        }
        return all.compactMap { results[$0.name] }
    }
}

/// Set once (a scenario failed under `--fail-fast`), read by every task of the suite.
final class StopFlag: @unchecked Sendable {
    private let lock = NSLock()
    private var value = false
    func set() { lock.withLock { value = true } }
    var isSet: Bool { lock.withLock { value } }
}
