import ClusterProviders
import Foundation
import StackModel

/// `labrun NAME …` for a scenario NAME means `labrun run NAME …` (also after options:
/// `labrun --stack examples/orders orders-pod-kill`).
enum ScenarioShortcut {
    /// Options that take a value, so the word after them is not a command.
    static let optionsWithValues: Set<String> = [
        "--provider", "--kubeconfig", "--context", "--namespace", "--stack", "--scenario-dir", "--report-dir",
        "--label", "--reuse-namespace", "--parallel", "--repeat", "--history", "--access", "--registry",
        "--registry-pull-secret",
    ]

    /// Rewrites the arguments when the first word that is neither an option nor an option's value names
    /// a scenario and is not a subcommand; leaves them as they are otherwise.
    static func expand(_ arguments: [String], scenarioNames: ([String]) -> Set<String> = discoveredNames) -> [String] {
        var index = 0
        while index < arguments.count, arguments[index].hasPrefix("-") {
            index += optionsWithValues.contains(arguments[index]) ? 2 : 1
        }
        guard index < arguments.count else { return arguments }
        let word = arguments[index]
        guard !LabrunCommand.configuration.subcommands.contains(where: { $0._commandName == word }),
              word != "help", scenarioNames(arguments).contains(word) else { return arguments }
        return ["run"] + arguments
    }

    /// The scenario names (file names without `.yaml`) in `--scenario-dir`, else beside the stack file
    /// (`--stack` or LABRUN_STACK), and in the project's `scenarios/`.
    static func discoveredNames(_ arguments: [String]) -> Set<String> {
        func value(_ option: String) -> String? {
            arguments.firstIndex(of: option).flatMap { arguments.indices.contains($0 + 1) ? arguments[$0 + 1] : nil }
        }
        var directories: [String] = []
        if let explicit = value("--scenario-dir") { directories.append(explicit) }
        if let stack = value("--stack") ?? ProcessInfo.processInfo.environment["LABRUN_STACK"] {
            var isDirectory: ObjCBool = false
            let exists = FileManager.default.fileExists(atPath: stack, isDirectory: &isDirectory)
            directories.append((exists && isDirectory.boolValue ? stack : (stack as NSString).deletingLastPathComponent) + "/scenarios")
        }
        if let layout = try? ProjectLayout.discover() { directories.append(layout.path("scenarios")) }
        var names: Set<String> = []
        for directory in directories {
            let files = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
            names.formUnion(files.filter { $0.hasSuffix(".yaml") }.map { String($0.dropLast(5)) })
        }
        return names
    }
}
