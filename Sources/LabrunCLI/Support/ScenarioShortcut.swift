import Foundation
import ClusterProviders

/// `labrun NAME …` for a scenario NAME means `labrun run NAME …`.
enum ScenarioShortcut {
    /// Rewrites the arguments when the first one names a file in the project's `scenarios/` and is
    /// not a subcommand or an option; leaves them as they are otherwise.
    static func expand(_ arguments: [String], scenarioNames: () -> Set<String> = discoveredNames) -> [String] {
        guard let first = arguments.first, !first.hasPrefix("-"),
              !LabrunCommand.configuration.subcommands.contains(where: { $0._commandName == first }),
              first != "help", scenarioNames().contains(first) else { return arguments }
        return ["run"] + arguments
    }

    /// The scenario names in the project's `scenarios/` folder (file names without `.yaml`).
    static func discoveredNames() -> Set<String> {
        guard let layout = try? ProjectLayout.discover(),
              let files = try? FileManager.default.contentsOfDirectory(atPath: layout.path("scenarios")) else { return [] }
        return Set(files.filter { $0.hasSuffix(".yaml") }.map { String($0.dropLast(5)) })
    }
}
