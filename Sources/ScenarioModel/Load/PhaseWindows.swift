/// Where the phases of a run begin and end on the run's clock.
///
/// `before` runs from the load's start to the first step; `during` from the first step to the end of
/// recovery; `after` from there to the load's end. A request belongs to the phase of its intended time.
public struct PhaseWindows: Sendable, Hashable, Codable {
    public var loadStart: Double
    public var stepsStart: Double
    public var recoveryEnd: Double
    public var loadEnd: Double

    public init(loadStart: Double, stepsStart: Double, recoveryEnd: Double, loadEnd: Double) {
        self.loadStart = loadStart
        self.stepsStart = stepsStart
        self.recoveryEnd = recoveryEnd
        self.loadEnd = loadEnd
    }

    /// The `[start, end)` window of a phase.
    public func window(_ phase: Phase) -> (start: Double, end: Double) {
        switch phase {
        case .before: return (loadStart, stepsStart)
        case .during: return (stepsStart, recoveryEnd)
        case .after: return (recoveryEnd, loadEnd)
        }
    }

    /// The phase of a time, or `nil` outside the load.
    public func phase(at time: Double) -> Phase? {
        Phase.allCases.first { phase in
            let window = window(phase)
            return time >= window.start && time < window.end
        }
    }
}
