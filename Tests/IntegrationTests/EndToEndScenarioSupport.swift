import ClusterProviders
import Foundation
import KubernetesClient
import LabrunCore
import Reports
import ScenarioEngine
import StackLifecycle
import StackModel
import Testing
import ScenarioModel

/// Shared set-up of the end-to-end scenario tests: the cluster to use, a suite on it, reports.
///
/// Enabled with `LABRUN_E2E=1` when a cluster answers (`LABRUN_TEST_KUBECONFIG`, else the bare
/// cluster's admin kubeconfig); otherwise each test prints why and skips — unless
/// `LABRUN_REQUIRE_INTEGRATION=1`, where that is a failure. `LABRUN_E2E_SCENARIOS=a,b` limits
/// which scenarios run (the others skip and say so). Reports go to `LABRUN_REPORT_DIR`
/// (default `<project>/.build/labrun-e2e-reports`); `LABRUN_E2E_SCENARIO_DIR` reads the scenario files
/// from another directory (default `<project>/scenarios`).
enum EndToEndScenario {
    static var environment: [String: String] { ProcessInfo.processInfo.environment }
    static let bareKubeconfig = "/var/lib/labrun/bare/admin.kubeconfig"

    static var kubeconfig: String { environment["LABRUN_TEST_KUBECONFIG"] ?? bareKubeconfig }
    static var required: Bool { environment["LABRUN_REQUIRE_INTEGRATION"] == "1" }

    static func projectRoot() -> String {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path
    }

    static var reportDirectory: String {
        environment["LABRUN_REPORT_DIR"] ?? projectRoot() + "/.build/labrun-e2e-reports"
    }

    /// Whether `LABRUN_E2E_SCENARIOS` (when set) names this scenario.
    static func selected(_ name: String) -> Bool {
        guard let only = environment["LABRUN_E2E_SCENARIOS"], !only.isEmpty else { return true }
        return only.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.contains(name)
    }

    /// The synchronous part of the decision, for `.enabled(if:)`: skipped (and shown as skipped)
    /// unless `LABRUN_E2E=1` selects it, or integration is required.
    static func enabled(_ name: String) -> Bool {
        required || (environment["LABRUN_E2E"] == "1" && selected(name))
    }

    /// For tests that pick their scenario at run time (`shouldRun` then decides, and says why).
    static var anyEnabled: Bool { required || environment["LABRUN_E2E"] == "1" }

    static let skipComment: Comment = "end-to-end scenarios run with LABRUN_E2E=1 against a cluster (LABRUN_TEST_KUBECONFIG or the bare cluster); LABRUN_E2E_SCENARIOS=a,b picks some"

    /// Why no cluster can be used, or nil when one answers `/version`.
    static func clusterUnavailableReason() async -> String? {
        guard FileManager.default.fileExists(atPath: kubeconfig) else {
            return "no kubeconfig at \(kubeconfig) (start the bare cluster with cluster/bare/up, or set LABRUN_TEST_KUBECONFIG)"
        }
        do {
            _ = try await KubernetesClient.fromKubeconfig(path: kubeconfig).serverVersion()
            return nil
        } catch {
            return "the API server in \(kubeconfig) does not answer: \(error)"
        }
    }

    /// How many nodes the cluster under test has (`LABRUN_E2E_NODES`, default 1): a scenario that needs
    /// more (`Scenario.minimumNodes`) is skipped and says so.
    static var nodes: Int { environment["LABRUN_E2E_NODES"].flatMap { Int($0) } ?? 1 }

    /// The nodes scenario `name` needs, from its file.
    static func minimumNodes(_ name: String) throws -> Int {
        let directory = environment["LABRUN_E2E_SCENARIO_DIR"].flatMap { $0.isEmpty ? nil : $0 } ?? projectRoot() + "/scenarios"
        return try ScenarioCatalog(directory: directory, stack: stack(root: projectRoot())).select(names: [name]).map(\.minimumNodes).max() ?? 1
    }

    /// The asynchronous part: true to go on. Otherwise prints why, and either cancels the test (shown
    /// as skipped, never as passed) or — under `LABRUN_REQUIRE_INTEGRATION=1` — records a failure.
    static func shouldRun(_ name: String) async throws -> Bool {
        var reason: String?
        if environment["LABRUN_E2E"] != "1" {
            reason = "LABRUN_E2E is not 1"
        } else if !selected(name) {
            FileHandle.standardError.write(Data("end-to-end scenario \(name) skipped: not in LABRUN_E2E_SCENARIOS\n".utf8))
            try Test.cancel("not in LABRUN_E2E_SCENARIOS")
        } else if let needed = try? minimumNodes(name), needed > nodes {
            // Not a failure even when integration is required: CI runs it in its own suite on a cluster of that size.
            let why = "needs \(needed) nodes and LABRUN_E2E_NODES is \(nodes) (CI's nodes suite runs it on `cluster/bare/up --nodes \(needed)`)"
            FileHandle.standardError.write(Data("end-to-end scenario \(name) skipped: \(why)\n".utf8))
            try Test.cancel(Comment(rawValue: why))
        } else {
            reason = await clusterUnavailableReason()
        }
        guard let reason else { return true }
        FileHandle.standardError.write(Data("end-to-end scenario \(name) cannot run: \(reason)\n".utf8))
        if required {
            Issue.record("LABRUN_REQUIRE_INTEGRATION=1 but scenario \(name) cannot run: \(reason)")
            return false
        }
        try Test.cancel(Comment(rawValue: reason))
    }

    /// The stack under test: `path` (a stack file or its directory), else `LABRUN_E2E_STACK`, else the
    /// todo stack's `stack/labrun.yaml` — loaded the way the CLI loads `--stack`.
    static func stack(root: String, path: String? = nil) throws -> Stack {
        try StackLoader().load(pathOrDirectory: path ?? environment["LABRUN_E2E_STACK"].flatMap { $0.isEmpty ? nil : $0 }
                                   ?? root + "/stack/labrun.yaml")
    }

    /// The example stacks: each directory of `examples/` with a stack file.
    static var exampleStacks: [String] {
        let examples = projectRoot() + "/examples"
        let names = (try? FileManager.default.contentsOfDirectory(atPath: examples)) ?? []
        return names.sorted().filter { FileManager.default.fileExists(atPath: "\(examples)/\($0)/\(Stack.fileName)") }
            .map { "examples/\($0)" }
    }

    /// Runs one scenario (optionally on a broken stack variant) of the stack in `stackPath` (relative
    /// to the project; default as `stack(root:)`) and writes its reports. The scenarios are read the
    /// way the CLI reads them: `scenarios/` beside the stack file, else the project's.
    static func run(_ name: String, variant: StackVariant? = nil, stackPath: String? = nil) async throws -> ScenarioResult {
        let layout = try ProjectLayout.discover(start: projectRoot(), executable: nil)
        let usesBare = environment["LABRUN_TEST_KUBECONFIG"] == nil
        let stack = try stack(root: projectRoot(), path: stackPath.map { projectRoot() + "/" + $0 })
        let options = LabOptions(stack: stack, provider: environment["LABRUN_PROVIDER"] ?? (usesBare ? "bare" : nil),
                                 kubeconfig: usesBare ? nil : kubeconfig)
        let session = LabSession(options: options, console: Console(level: .normal), runner: SystemProcessRunner(), layout: layout)
        let reports = reportDirectory + "/" + (stackPath.map { ($0 as NSString).lastPathComponent + "/" } ?? "")
            + (variant.map { "broken-\($0.name)/\(name)" } ?? name)
        let console = session.console
        var runOptions = RunOptions(reportDirectory: reports, variant: variant, onEvent: { scenario, event in
            console.info(String(format: "  [%@ %6.1fs] %@ %@ %@", scenario, event.at, event.kind.rawValue, event.subject, event.detail))
        })
        // The next run takes the slot while the cluster removes this run's namespace (about 11 s each in
        // CI; the cluster goes down after the suite). `labrun` itself waits, and its own tests check that.
        runOptions.awaitsNamespaceRemoval = false
        let directory = stackPath == nil ? environment["LABRUN_E2E_SCENARIO_DIR"].flatMap { $0.isEmpty ? nil : $0 } : nil
        let suite = ScenarioSuite(session: session, options: runOptions, directory: directory)
        let selected = try suite.catalog().select(names: [name])
        let results = try await EndToEndGate.run(exclusive: selected.contains(where: \.isExclusive),
                                                 slots: selected.map(\.metadata.slots).max() ?? 1) { try await suite.run(names: [name]) }
        let paths = try ReportWriter(directory: URL(fileURLWithPath: reports)).write(results)
        console.info("reports: \(paths.html.path), \(paths.junit.path)")
        guard let result = results.first else { throw LabrunError(id: "E2E_NO_RESULT", message: "no result for \(name)") }
        console.info(summary(result))
        return result
    }

    /// Every failure text of a result: abort reason, failed steps, checks and assertions with details.
    static func failureText(_ result: ScenarioResult) -> String {
        var lines: [String] = []
        if let reason = result.abortReason { lines.append(reason) }
        for step in result.steps where step.verdict != .passed { lines.append("step \(step.name): \(step.message ?? "")") }
        for check in result.steadyStateBefore + result.steadyStateAfter + result.assertions where check.verdict == .failed || check.verdict == .error {
            lines.append("\(check.name): \(check.message)")
            lines += check.details.map { "    " + $0 }
        }
        return lines.joined(separator: "\n")
    }

    static func summary(_ result: ScenarioResult) -> String {
        var lines = ["\(result.scenario): \(result.verdict.rawValue) in \(formatSeconds(result.durationSeconds)) (namespace \(result.namespace))"]
        for phase in result.phases {
            lines.append(String(format: "  %@: %d requests, %.2f%% errors, p50 %@, p99 %@, %.1f req/s", phase.phase.rawValue, phase.count,
                                phase.errorRate * 100, phase.p50.map(formatSeconds) ?? "-", phase.p99.map(formatSeconds) ?? "-", phase.throughput))
        }
        for step in result.steps { lines.append("  step \(step.name): \(step.verdict.rawValue) \(step.message ?? "")") }
        for check in result.assertions { lines.append("  [\(check.verdict.rawValue)] \(check.name): \(check.message)") }
        for item in result.cleanup where item.verdict != .passed { lines.append("  cleanup \(item.action): \(item.verdict.rawValue) \(item.message ?? "")") }
        return lines.joined(separator: "\n")
    }
}
