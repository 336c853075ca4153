/// A number a run is judged and compared by — a recovery time, an error window, a phase's latency or
/// error rate, the run's duration — for the distributions of `--repeat` and the history's comparisons.
///
/// For every key figure lower is better, so "worse" always means "larger".
public struct KeyFigure: Sendable, Hashable, Codable {
    /// What a figure counts in.
    public enum Unit: String, Sendable, Hashable, Codable {
        case seconds
        /// A share, 0…1 (an error rate).
        case ratio
    }

    /// Stable across runs of the same scenario: `error window: backend back within 90s`, `during p99`.
    public var name: String
    public var unit: Unit
    public var value: Double

    public init(name: String, unit: Unit, value: Double) {
        self.name = name
        self.unit = unit
        self.value = value
    }

    /// Words for a recovery measure, as they lead a recovery figure's name.
    static func words(_ measure: RecoveryMeasure) -> String {
        switch measure {
        case .errorWindow: return "error window"
        case .firstSuccess: return "first success"
        case .replicasReady: return "replicas ready"
        }
    }
}

extension ScenarioResult {
    /// The run's key figures, in a stable order: each measured recovery (`<measure>: <assertion>`),
    /// each phase's p50, p99 and error rate, then the run's duration. A recovery that never came has no
    /// figure (the run failed; the distribution counts it as missing).
    public var keyFigures: [KeyFigure] {
        var figures: [KeyFigure] = []
        for assertion in assertions where assertion.kind == "recoveryTime" {
            for measure in RecoveryMeasure.allCases {
                guard let value = assertion.measured[measure.rawValue], value.isFinite else { continue }
                figures.append(KeyFigure(name: "\(KeyFigure.words(measure)): \(assertion.name)", unit: .seconds, value: value))
            }
        }
        for phase in phases {
            let name = phase.phase.rawValue
            if let p50 = phase.p50, p50.isFinite { figures.append(KeyFigure(name: "\(name) p50", unit: .seconds, value: p50)) }
            if let p99 = phase.p99, p99.isFinite { figures.append(KeyFigure(name: "\(name) p99", unit: .seconds, value: p99)) }
            if phase.count > 0, phase.errorRate.isFinite {
                figures.append(KeyFigure(name: "\(name) error rate", unit: .ratio, value: phase.errorRate))
            }
        }
        if durationSeconds.isFinite { figures.append(KeyFigure(name: "duration", unit: .seconds, value: durationSeconds)) }
        return figures
    }
}
