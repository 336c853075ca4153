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

    /// How many scenarios run at once by default (`labrun all`, the end-to-end tests): one more than
    /// the cores, at most one per 6 GiB of memory (each deploys a stack and drives its load), 1 to 4.
    /// A scenario mostly waits (steady state, load phases, recovery): on this project's 2-core machine,
    /// `labrun all --parallel 3` left it 70 % idle on average (vmstat every 10 s) with every steady
    /// phase's p99 at 6–54 ms against SLOs of 250 ms–1 s, and took 8m33s where `--parallel 2` took 11m34s.
    public static var defaultParallel: Int {
        let info = ProcessInfo.processInfo
        let byMemory = Int(info.physicalMemory / (6 << 30))
        return max(1, min(4, info.activeProcessorCount + 1, byMemory))
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
    /// others `parallel` at a time, longest first by `expectedSeconds` (what each took last time, from
    /// the run history), each in its own namespace; every scenario `repeats` times (see `SuitePlan`).
    /// `failFast` starts no further run once one did not pass; `finished` hears each result as it
    /// comes. Results are in selection order, each scenario's runs in order.
    ///
    /// Throws before touching the cluster when a file is invalid, a name unknown or no provider
    /// available; failures of a scenario are in its result. When the calling task is cancelled
    /// (Ctrl-C), the running scenarios clean up and the remaining ones are not started.
    public func run(names: [String] = [], labels: [String: String] = [:], failFast: Bool = false, parallel: Int = 1,
                    repeats: Int = 1, expectedSeconds: [String: Double] = [:],
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
        // A shared run frees its slot once its namespace's removal is requested (the next run takes it
        // while the cluster deletes the namespace, about 10 s); the suite waits for those removals at its
        // end, so it still leaves nothing behind. An exclusive run waits for its own: the next one starts
        // on a quiet cluster.
        var sharedOptions = options
        sharedOptions.awaitsNamespaceRemoval = false
        let sharedRunner = ScenarioRunner(driver: driver, clock: session.clock, options: sharedOptions)
        let console = session.console
        let plan = SuitePlan(scenarios, parallel: parallel, repeats: repeats, expectedSeconds: expectedSeconds,
                             spacing: StartSpacing(interval: StartSpacing.betweenRuns, clock: session.clock))
        if plan.width > 1 {
            console.info("running \(plan.shared.count) scenario(s) \(plan.width) at a time"
                         + (plan.alone.isEmpty ? "" : ", after \(plan.alone.map(\.name).joined(separator: ", ")) alone (exclusive: each stops the cluster or is disturbed by neighbours)"))
        }
        if plan.repeats > 1 { console.info("every scenario runs \(plan.repeats) times") }
        let results = await plan.run(failFast: failFast) { scenario, attempt in
            let of = attempt.map { " (run \($0) of \(plan.repeats))" } ?? ""
            console.info("▶ \(scenario.name)\(of): \(scenario.metadata.description)")
            let result = await (scenario.isExclusive ? runner : sharedRunner).run(scenario, attempt: attempt)
            console.info("\(result.verdict == .passed ? "✓" : "✗") \(result.runName): \(result.verdict.rawValue) in \(formatSeconds(result.durationSeconds))"
                         + (result.abortReason.map { " — \($0)" } ?? ""))
            finished(result)
            return result
        }
        if options.awaitsNamespaceRemoval {
            let shared = Set(plan.shared.map(\.name))
            await awaitRemoval(of: results.filter { shared.contains($0.scenario) }.map(\.namespace), driver: driver)
        }
        let notRun = scenarios.count * plan.repeats - results.count
        if notRun > 0 && failFast { console.warn("--fail-fast: \(notRun) run(s) not started") }
        return results
    }

    /// Waits for the removal of the shared runs' namespaces (each run requested it), even when the
    /// suite was interrupted (a task of its own, which cancellation does not reach, as a run's cleanup).
    private func awaitRemoval(of namespaces: [String], driver: ClusterDriver) async {
        guard !namespaces.isEmpty else { return }
        let (console, clock) = (session.console, session.clock)
        let start = clock.now()
        let left = await Task { await driver.kube.awaitRemoval(of: namespaces, timeout: 200, clock: clock) }.value
        if left.isEmpty {
            console.info("namespaces of the runs removed (\(formatSeconds(clock.now() - start)) after the last run)")
        } else {
            console.warn("still being deleted after \(formatSeconds(clock.now() - start)): \(left.joined(separator: ", ")); "
                         + "the cluster goes on deleting them; `labrun status` lists what is left")
        }
    }
}

/// Which scenarios run alone, how many of the others at a time, and how often each runs; `run`
/// schedules them. Pure apart from the body it is given, so the scheduling is unit-tested.
///
/// Under `--repeat N` every scenario runs N times. The runs of one scenario never overlap — they
/// would share its artefact folder and, with `--reuse-namespace`, its namespace, and a sample that
/// competes with its own twin measures the twin — while different scenarios still share the
/// `width` slots: first run of each, then the second, and so on.
struct SuitePlan: Sendable {
    /// Every scenario, in the order given (the order of the results).
    var all: [Scenario]
    /// Scenarios that disturb the whole cluster, one at a time, first.
    var alone: [Scenario]
    /// The others, `width` at a time, in the order they start: longest expected first (a long one
    /// started last would run on alone while the other slots idle), those with no expectation (never
    /// run before) ahead of all, in the order given.
    var shared: [Scenario]
    var width: Int
    /// Runs of each scenario (`--repeat`), at least 1.
    var repeats: Int
    /// Keeps the shared runs' starts apart (`StartSpacing.betweenRuns` in `labrun all`; none when nil).
    var spacing: StartSpacing?

    init(_ scenarios: [Scenario], parallel: Int, repeats: Int = 1, expectedSeconds: [String: Double] = [:],
         spacing: StartSpacing? = nil) {
        self.spacing = spacing
        all = scenarios
        alone = scenarios.filter(\.isExclusive)
        let others = scenarios.filter { !$0.isExclusive }.enumerated()
        shared = others.sorted { a, b in
            let (x, y) = (expectedSeconds[a.element.name] ?? .infinity, expectedSeconds[b.element.name] ?? .infinity)
            return x != y ? x > y : a.offset < b.offset
        }.map(\.element)
        width = max(1, min(parallel, shared.count))
        self.repeats = max(1, repeats)
    }

    /// The slots `scenario` takes: its `metadata.slots`, at most the suite's width (so it can run at all).
    func slots(_ scenario: Scenario) -> Int { min(max(1, scenario.metadata.slots), width) }

    /// The run numbers of each scenario: nil for a single run (results read as before), else 1…N.
    var attempts: [Int?] { repeats == 1 ? [nil] : (1...repeats).map { $0 } }

    /// Runs every scenario `repeats` times through `body` (given the scenario and the run's number):
    /// the exclusive ones one run at a time, then the others `width` at a time, their starts kept
    /// `spacing` apart. With `failFast`,
    /// nothing more starts once a result did not pass; a cancelled task starts nothing more either.
    /// Results come back in the order the scenarios were given, each scenario's runs in order.
    func run(failFast: Bool, _ body: @escaping @Sendable (Scenario, Int?) async -> ScenarioResult) async -> [ScenarioResult] {
        let stop = StopFlag()
        var results: [String: ScenarioResult] = [:]
        func key(_ name: String, _ attempt: Int?) -> String { "\(name)#\(attempt ?? 0)" }
        func keep(_ name: String, _ attempt: Int?, _ result: ScenarioResult) {
            results[key(name, attempt)] = result
            if failFast && result.verdict != .passed { stop.set() }
        }
        alone: for scenario in alone {
            for attempt in attempts {
                if Task.isCancelled || stop.isSet { break alone }
                keep(scenario.name, attempt, await body(scenario, attempt))
            }
        }
        await withTaskGroup(of: (String, Int?, ScenarioResult?).self) { group in
            var pending = attempts.flatMap { attempt in shared.map { ($0, attempt) } }
            var busy: [String: Int] = [:]   // running scenario → the slots it takes
            while true {
                // The first waiting run that fits, in order, a several-slot one first (`SlotChoice`); never
                // a scenario beside its own earlier run.
                while !Task.isCancelled, !stop.isSet,
                      let index = SlotChoice.next(pending, width: width, used: busy.values.reduce(0, +),
                                                  wideRunning: busy.values.contains { $0 > 1 },
                                                  slots: { slots($0.0) }, startable: { busy[$0.0.name] == nil }) {
                    let (next, attempt) = pending.remove(at: index)
                    busy[next.name] = slots(next)
                    group.addTask { [spacing] in
                        // Cancelled while waiting for its turn: not started, as if never admitted.
                        if let spacing { guard (try? await spacing.turn()) != nil, !Task.isCancelled else { return (next.name, attempt, nil) } }
                        return (next.name, attempt, await body(next, attempt))
                    }
                }
                guard let (name, attempt, result) = await group.next() else { break }
                busy[name] = nil
                if let result { keep(name, attempt, result) }
            }
        }
        return all.flatMap { scenario in attempts.compactMap { results[key(scenario.name, $0)] } }
    }
}

/// Set once (a scenario failed under `--fail-fast`), read by every task of the suite.
final class StopFlag: @unchecked Sendable {
    private let lock = NSLock()
    private var value = false
    func set() { lock.withLock { value = true } }
    var isSet: Bool { lock.withLock { value } }
}
