/// What became of one write the load attempted, judged after Jepsen's set checker.
///
/// Every key the load attempted (and every key with the run's prefix found in the database) falls in
/// exactly one class, from how the client saw its request end (`WriteAnswer`) and how many rows the
/// ledger query found for it at the end of the run:
///
/// | answer \ rows                     | 0                     | 1          | more than 1 |
/// | --------------------------------- | --------------------- | ---------- | ----------- |
/// | acknowledged (2xx)                | lost                  | ok         | duplicated  |
/// | indeterminate (timeout, …)        | failed-indeterminate  | recovered  | duplicated  |
/// | refused (4xx) or never sent       | failed                | unexpected | unexpected  |
/// | never attempted (run's prefix)    | –                     | unexpected | unexpected  |
///
/// `lost`, `duplicated` and `unexpected` are failures of the system under test; `recovered` and
/// `failedIndeterminate` are not (the client could not know whether the write happened); `ok` and
/// `failed` are consistent.
public enum WriteOutcome: String, Sendable, Hashable, Codable, CaseIterable {
    /// Acknowledged and present exactly once.
    case ok
    /// Acknowledged and absent.
    case lost
    /// Attempted (acknowledged or indeterminate) and present more than once.
    case duplicated
    /// Present though the load never sent it, or the server definitely refused it (4xx).
    case unexpected
    /// Indeterminate (timeout, connection error, 5xx, no 2xx or 4xx answer) and present: it happened after all.
    case recovered
    /// Indeterminate and absent: it did not happen, which the client could not know.
    case failedIndeterminate
    /// Definitely refused (4xx) or never sent (over the in-flight cap) and absent: consistent.
    case failed

    /// Whether the class is a fault of the system under test (lost, duplicated, unexpected).
    public var isAnomaly: Bool { self == .lost || self == .duplicated || self == .unexpected }

    /// The class of a key from its answer (nil: the load never attempted it) and its rows; nil when a
    /// never-attempted key has no row (nothing to account for).
    public static func classify(_ answer: WriteAnswer?, rows: Int) -> WriteOutcome? {
        switch (answer, rows) {
        case (nil, 0): return nil
        case (nil, _): return .unexpected
        case (.acknowledged?, 0): return .lost
        case (.acknowledged?, 1): return .ok
        case (.indeterminate?, 0): return .failedIndeterminate
        case (.indeterminate?, 1): return .recovered
        case (.acknowledged?, _), (.indeterminate?, _): return .duplicated
        case (.refused?, 0), (.notSent?, 0): return .failed
        case (.refused?, _), (.notSent?, _): return .unexpected
        }
    }

    /// The class's name in reports: `failed-indeterminate` for `failedIndeterminate`, else the raw value.
    public var label: String { self == .failedIndeterminate ? "failed-indeterminate" : rawValue }
}

/// How the client saw a write's request end: the input of `WriteOutcome.classify`.
public enum WriteAnswer: Int, Sendable, Hashable, Comparable {
    /// Not sent (the generator's in-flight cap was reached): the server never saw it.
    case notSent
    /// A 4xx answer: the server says it did not do it (validation, auth, conflict, rate limit).
    case refused
    /// No definite answer: a timeout, a connection error, or a status neither 2xx nor 4xx — a 5xx may come
    /// from a proxy after the backend committed, or from the backend after its commit, so it proves nothing.
    case indeterminate
    /// A 2xx answer.
    case acknowledged

    /// The answer a request's outcome gives.
    public init(_ outcome: RequestOutcome) {
        switch outcome {
        case .status(let code) where (200..<300).contains(code): self = .acknowledged
        // The write was done (2xx); that its answer carried another user's data is isolation's failure, not the ledger's.
        case .foreign: self = .acknowledged
        case .status(let code) where (400..<500).contains(code): self = .refused
        case .status, .timeout, .connection: self = .indeterminate
        case .overload: self = .notSent
        }
    }

    /// When one key was attempted more than once, the strongest answer counts (acknowledged first).
    public static func < (lhs: WriteAnswer, rhs: WriteAnswer) -> Bool { lhs.rawValue < rhs.rawValue }
}
