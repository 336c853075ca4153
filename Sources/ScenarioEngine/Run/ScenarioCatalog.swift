import Foundation
import LabrunCore
import StackModel
import ScenarioModel

/// The scenarios in `scenarios/`: listed with their descriptions and labels, selected by name or label.
public struct ScenarioCatalog: Sendable {
    /// One scenario as `labrun list` shows it.
    public struct Entry: Sendable, Hashable {
        public var name: String
        public var description: String
        public var labels: [String: String]
        public var timeout: ScenarioDuration
        /// The Ready nodes it needs (`Scenario.minimumNodes`); more than 1 is shown.
        public var minimumNodes: Int = 1
    }

    public let directory: String
    public let scenarios: [Scenario]

    /// Loads and validates every file of `directory` against `stack`; throws every file's errors together.
    public init(directory: String, stack: Stack) throws(ScenarioValidationError) {
        self.directory = directory
        self.scenarios = try ScenarioLoader(stack: stack).load(directory: directory)
    }

    public init(directory: String, scenarios: [Scenario]) {
        self.directory = directory
        self.scenarios = scenarios
    }

    public var entries: [Entry] {
        scenarios.map { Entry(name: $0.name, description: $0.metadata.description, labels: $0.metadata.labels,
                              timeout: $0.metadata.timeout, minimumNodes: $0.minimumNodes) }
    }

    /// The scenarios named (in the order given) that carry every label in `labels`; all when no
    /// name is given. Unknown names are an error that suggests the closest ones.
    public func select(names: [String] = [], labels: [String: String] = [:]) throws -> [Scenario] {
        var chosen: [Scenario] = []
        if names.isEmpty {
            chosen = scenarios
        } else {
            for name in names {
                guard let scenario = scenarios.first(where: { $0.name == name }) else {
                    let close = scenarios.map(\.name).filter { $0.contains(name) || name.contains($0) || Self.distance($0, name) <= 3 }
                    throw LabrunError(id: ErrorID.scenarioUnknown, exitCode: ExitCode.usage,
                                      message: "There is no scenario named \(name) in \(directory).",
                                      advice: close.isEmpty ? "`labrun list` shows the scenarios." : "Did you mean \(close.joined(separator: " or "))?")
                }
                if !chosen.contains(where: { $0.name == name }) { chosen.append(scenario) }
            }
        }
        return chosen.filter { scenario in labels.allSatisfy { scenario.metadata.labels[$0.key] == $0.value } }
    }

    /// The table `labrun list` prints.
    public var table: String {
        let width = max(4, entries.map(\.name.count).max() ?? 0)
        return entries.map { entry in
            let labels = entry.labels.keys.sorted().map { "\($0)=\(entry.labels[$0] ?? "")" }.joined(separator: ",")
            return entry.name.padding(toLength: width, withPad: " ", startingAt: 0) + "  " + entry.description
                + (labels.isEmpty ? "" : "  [\(labels)]") + (entry.minimumNodes > 1 ? "  (needs \(entry.minimumNodes) nodes)" : "")
        }.joined(separator: "\n")
    }

    static func distance(_ a: String, _ b: String) -> Int {
        let a = Array(a), b = Array(b)
        guard !a.isEmpty else { return b.count }
        guard !b.isEmpty else { return a.count }
        var row = Array(0...b.count)
        for i in 1...a.count {
            var previous = row[0]
            row[0] = i
            for j in 1...b.count {
                let current = row[j]
                row[j] = min(row[j] + 1, row[j - 1] + 1, previous + (a[i - 1] == b[j - 1] ? 0 : 1))
                previous = current
            }
        }
        return row[b.count]
    }
}
