/// What `create` had to do.
public enum CreateOutcome: String, Sendable, Codable, Equatable {
    /// It was already running; labrun did nothing and must not take it down.
    case alreadyRunning
    /// It existed but was stopped; labrun started it.
    case started
    /// It did not exist; labrun created it.
    case created

    /// Whether labrun brought the cluster up (and so may take it down).
    public var startedByLabrun: Bool { self != .alreadyRunning }
}
