/// One entry of the run's timeline: phases, steps, faults landing, recoveries, pod events.
public struct TimelineEvent: Sendable, Hashable, Codable {
    /// Seconds since the run started (the run's clock).
    public var at: Double
    public var kind: TimelineEventKind
    /// What it is about: a phase, step, pod or assertion name.
    public var subject: String
    /// One line for people.
    public var detail: String

    public init(at: Double, kind: TimelineEventKind, subject: String, detail: String = "") {
        self.at = at
        self.kind = kind
        self.subject = subject
        self.detail = detail
    }
}

/// The kinds of timeline entries; the HTML report draws each kind in its own lane.
public enum TimelineEventKind: String, Sendable, Hashable, Codable, CaseIterable {
    /// A phase began (`setup`, `before`, `during`, `recovery`, `after`, `cleanup`).
    case phase
    case stepStarted
    case stepFinished
    /// An action was requested (e.g. the delete call returned).
    case action
    /// An action's fault was verified to have landed (new pod UID, restart count up, rollout started).
    case faultLanded
    /// Something recovered (replicas ready, first success, steady state holds again).
    case recovered
    /// A Kubernetes event or pod state change seen by the watch.
    case pod
    case note
    case error
}
