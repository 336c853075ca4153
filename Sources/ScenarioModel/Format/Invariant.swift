/// The invariant form of an `http` or `sql` assertion (`throughout`, `every`, `allowUnavailable`): the
/// check is not polled until it matches at the end but sampled every `every` from the moment a step (or
/// phase) starts until it ends, and it fails if any sample did not match (issue 12: invariants over a
/// window, like `pods`, for HTTP and SQL). A sample that got no answer at all — connection refused, the
/// database down, nothing within `sampleLimit` — breaks it too, unless `allowUnavailable`.
public struct Invariant: Sendable, Hashable, Codable {
    /// A step's name, or a phase (`before`, `during`, `after`).
    public var throughout: String
    /// The time between the starts of two samples (a sample that takes longer delays the next).
    public var every: ScenarioDuration
    /// Whether samples that got no answer at all are only counted and shown ("whenever it answers, …").
    public var allowUnavailable: Bool

    public static let defaultEvery = ScenarioDuration.seconds(1)
    /// The shortest and longest `every` a scenario may ask for: sampling faster than 200 ms would load
    /// the stack it measures (each SQL sample opens a connection).
    public static let everyRange = ScenarioDuration(milliseconds: 200)...ScenarioDuration(milliseconds: 60_000)
    /// How long one sample may take before it counts as unanswered (as long as the scenarios give a load request).
    public static let sampleLimit = ScenarioDuration.seconds(5)

    public init(throughout: String, every: ScenarioDuration = Invariant.defaultEvery, allowUnavailable: Bool = false) {
        self.throughout = throughout
        self.every = every
        self.allowUnavailable = allowUnavailable
    }

    /// The phase named by `throughout`, or nil when it names a step.
    public var phase: Phase? { Phase(rawValue: throughout) }

    /// The window `throughout` names: a phase when it is one's name (as for `pods.during`), else a step.
    public var window: InvariantWindow { phase.map(InvariantWindow.phase) ?? .step(throughout) }

    /// How the window reads in a report: `step roll-to-v2` or `the during phase`.
    public var windowName: String { phase.map { "the \($0.rawValue) phase" } ?? "step \(throughout)" }
}

/// Where an invariant is sampled: from a step's start to its end, or through a phase of the load.
public enum InvariantWindow: Sendable, Hashable, Comparable {
    case step(String)
    case phase(Phase)

    public static func < (lhs: InvariantWindow, rhs: InvariantWindow) -> Bool { lhs.sortKey < rhs.sortKey }

    private var sortKey: String {
        switch self {
        case .step(let name): return "step " + name
        case .phase(let phase): return "phase " + phase.rawValue
        }
    }
}
