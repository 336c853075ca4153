/// The verdict on a scenario over all its runs of one invocation (`--repeat N`; N = 1 by default).
public enum RepeatVerdict: String, Sendable, Hashable, Codable, CaseIterable {
    /// Every run passed.
    case passed
    /// Some runs passed and some did not: the system (or the scenario) is unreliable. Never counted as passed.
    case flaky
    /// No run passed; at least one failed.
    case failed
    /// No run passed or failed; in at least one the chaos could not be verified to have landed.
    case faultNotLanded
    /// No run passed; at least one could not run (and none failed or saw its fault not land).
    case error
    /// No run passed or failed: every run was skipped.
    case skipped

    /// The verdict over the runs' verdicts: `passed` only when all passed, `flaky` when some did.
    public init(_ verdicts: [Verdict]) {
        let passed = verdicts.filter { $0 == .passed }.count
        if !verdicts.isEmpty && passed == verdicts.count {
            self = .passed
        } else if passed > 0 {
            self = .flaky
        } else if verdicts.contains(.failed) {
            self = .failed
        } else if verdicts.contains(.faultNotLanded) {
            self = .faultNotLanded
        } else if verdicts.contains(.error) {
            self = .error
        } else {
            self = .skipped
        }
    }

    /// Whether the invocation succeeds with this verdict.
    public var isSuccess: Bool { self == .passed }
}

/// One key figure's distribution over a scenario's runs.
public struct FigureDistribution: Sendable, Hashable, Codable {
    public var name: String
    public var unit: KeyFigure.Unit
    public var distribution: Distribution

    public init(name: String, unit: KeyFigure.Unit, distribution: Distribution) {
        self.name = name
        self.unit = unit
        self.distribution = distribution
    }
}

/// A scenario over its runs of one invocation: how many passed, the verdict (flaky when some did),
/// and the distribution of every key figure.
public struct RepeatSummary: Sendable, Hashable, Codable {
    public var scenario: String
    public var runs: Int
    public var passed: Int
    public var verdict: RepeatVerdict
    /// In the order the figures first appear in the runs.
    public var figures: [FigureDistribution]
    /// The scenario's `metadata.regressionPercent` (the default when its results do not say).
    public var regressionPercent: Double

    public init(scenario: String, runs: Int, passed: Int, verdict: RepeatVerdict, figures: [FigureDistribution],
                regressionPercent: Double = ScenarioMetadata.defaultRegressionPercent) {
        self.scenario = scenario
        self.runs = runs
        self.passed = passed
        self.verdict = verdict
        self.figures = figures
        self.regressionPercent = regressionPercent
    }

    /// `passed / runs` (0 with no runs).
    public var passRate: Double { runs > 0 ? Double(passed) / Double(runs) : 0 }

    /// One summary per scenario, in the order each scenario first appears in `results`.
    public static func summarize(_ results: [ScenarioResult]) -> [RepeatSummary] {
        var order: [String] = []
        var byScenario: [String: [ScenarioResult]] = [:]
        for result in results {
            if byScenario[result.scenario] == nil { order.append(result.scenario) }
            byScenario[result.scenario, default: []].append(result)
        }
        return order.compactMap { name in byScenario[name].map { summary(name, $0) } }
    }

    private static func summary(_ scenario: String, _ runs: [ScenarioResult]) -> RepeatSummary {
        var names: [String] = []
        var units: [String: KeyFigure.Unit] = [:]
        var values: [String: [Double]] = [:]
        for figure in runs.flatMap(\.keyFigures) {
            if values[figure.name] == nil { names.append(figure.name) }
            units[figure.name] = figure.unit
            values[figure.name, default: []].append(figure.value)
        }
        let figures = names.compactMap { name -> FigureDistribution? in
            guard let unit = units[name], let distribution = Distribution(values[name] ?? []) else { return nil }
            return FigureDistribution(name: name, unit: unit, distribution: distribution)
        }
        let verdicts = runs.map(\.verdict)
        return RepeatSummary(scenario: scenario, runs: runs.count, passed: verdicts.filter { $0 == .passed }.count,
                             verdict: RepeatVerdict(verdicts), figures: figures,
                             regressionPercent: runs.compactMap(\.regressionPercent).last ?? ScenarioMetadata.defaultRegressionPercent)
    }
}
