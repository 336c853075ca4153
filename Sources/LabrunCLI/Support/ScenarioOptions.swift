import ArgumentParser
import ScenarioEngine

/// Options of the commands that run scenarios (`run`, `all`, `labrun <scenario>`).
struct ScenarioOptions: ParsableArguments, Sendable {
    @Option(name: .customLong("report-dir"),
            help: ArgumentHelp("Directory for junit.xml, result.json, report.html and failure diagnostics.", valueName: "dir"))
    var reportDirectory = "labrun-report"

    @Option(name: .customLong("label"),
            help: ArgumentHelp("Run only scenarios carrying this label (repeatable; all must match).", valueName: "key=value"))
    var labels: [String] = []

    @Flag(name: .customLong("fail-fast"), help: "Stop after the first scenario that does not pass.")
    var failFast = false

    @Flag(name: .customLong("keep"), help: "Keep each run's namespace afterwards, for debugging (delete it with kubectl).")
    var keep = false

    @Option(name: .customLong("reuse-namespace"),
            help: ArgumentHelp("Run in this existing namespace instead of a fresh one per run.", valueName: "name"))
    var reuseNamespace: String?

    init() {}

    func validate() throws {
        for label in labels where label.split(separator: "=", maxSplits: 1).count != 2 {
            throw ValidationError("--label '\(label)' is not of the form key=value.")
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
