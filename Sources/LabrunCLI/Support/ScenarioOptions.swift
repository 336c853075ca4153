import ArgumentParser
import Foundation
import LabrunCore
import ScenarioEngine
import StackLifecycle
import ScenarioModel

/// Where the scenario files are read from (`list`, `run`, `all`, `labrun <scenario>`).
struct ScenarioSource: ParsableArguments, Sendable {
    @Option(name: .customLong("scenario-dir"),
            help: ArgumentHelp("Read the scenario files from this directory instead of the project's scenarios/.", valueName: "dir"))
    var directory: String?

    init() {}

    func validate() throws {
        guard let directory else { return }
        guard !directory.isEmpty else { throw ValidationError("--scenario-dir needs a path.") }
        let kind = FileKind.of(directory)
        guard kind == .directory else {
            throw ValidationError(kind == .missing ? "--scenario-dir '\(TerminalText.quoted(directory))' does not exist."
                                  : "--scenario-dir '\(TerminalText.quoted(directory))' is \(kind.phrase), not a directory.")
        }
    }

    /// The suite of the chosen directory (the project's `scenarios/` by default).
    func suite(_ session: LabSession, options: RunOptions = RunOptions()) -> ScenarioSuite {
        ScenarioSuite(session: session, options: options, directory: directory)
    }
}

/// Options of the commands that run scenarios (`run`, `all`, `labrun <scenario>`).
struct ScenarioOptions: ParsableArguments, Sendable {
    @OptionGroup var source: ScenarioSource

    @OptionGroup var reports: ReportLocation

    /// The report directory (`--report-dir`).
    var reportDirectory: String { reports.directory }

    @Option(name: .customLong("label"),
            help: ArgumentHelp("Run only scenarios carrying this label (repeatable; all must match).", valueName: "key=value"))
    var labels: [String] = []

    @Flag(name: .customLong("fail-fast"), help: "Start no further scenario once one did not pass.")
    var failFast = false

    @Option(name: .customLong("parallel"),
            help: ArgumentHelp("Scenarios run at once, each in its own namespace, the longest (by the run history) first, their starts at least 15 s apart; those that disturb the whole cluster run alone first (default: \(ScenarioOptions.defaultParallel) here, from the cores and memory).",
                               valueName: "n"))
    var parallel: Int = ScenarioOptions.defaultParallel

    @Option(name: .customLong("repeat"),
            help: ArgumentHelp("Run each scenario this many times and report its pass rate and the min/median/p90/max of every recovery time, error window and phase latency; a scenario that passes only sometimes is flaky, which fails the command.",
                               valueName: "n"))
    var repeats: Int = 1

    /// The most runs of one scenario `--repeat` accepts.
    static let maxRepeats = 100

    static var defaultParallel: Int { ScenarioSuite.defaultParallel }

    @Flag(name: .customLong("keep"), help: "Keep each run's namespace afterwards, for debugging (delete it with kubectl).")
    var keep = false

    @Option(name: .customLong("reuse-namespace"),
            help: ArgumentHelp("Run in this existing namespace instead of a fresh one per run.", valueName: "name"))
    var reuseNamespace: String?

    init() {}

    func validate() throws {
        guard (1...16).contains(parallel) else { throw ValidationError("--parallel must be between 1 and 16, not \(parallel).") }
        guard (1...Self.maxRepeats).contains(repeats) else {
            throw ValidationError("--repeat must be between 1 and \(Self.maxRepeats), not \(repeats).")
        }
        // The namespace rules of scenario files (setup.reuseNamespace), checked before anything starts.
        if let reuseNamespace, let problem = KubernetesNames.reusableNamespaceProblem(reuseNamespace) {
            throw ValidationError("--reuse-namespace: \(TerminalText.quoted(problem)).")
        }
        for label in labels {
            try FlagCheck.name(label, flag: "--label", what: "a key=value label")
            guard label.split(separator: "=", maxSplits: 1).count == 2 else {
                throw ValidationError("--label '\(TerminalText.quoted(label))' is not of the form key=value.")
            }
        }
    }

    /// The labels as a dictionary.
    var labelSelector: [String: String] {
        Dictionary(labels.map { label -> (String, String) in
            let parts = label.split(separator: "=", maxSplits: 1).map(String.init)
            return (parts[0], parts.count > 1 ? parts[1] : "")
        }, uniquingKeysWith: { _, last in last })
    }
}
