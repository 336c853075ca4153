/// What the samples of one invariant saw over its window, in bounded memory whatever the window's
/// length: a count of every sample, and the first few that did not match or got no answer, with what
/// was seen. Filled by the runner's sampler, read by `InvariantEvaluator`; in `result.json` as the
/// assertion's `invariant`.
public struct InvariantSamples: Sendable, Hashable, Codable {
    /// When the window opened (run clock).
    public var start: Double
    /// When it closed; nil while it is open.
    public var end: Double?
    /// Every sample recorded.
    public var taken: Int
    /// Samples that were answered but did not match.
    public var mismatched: Int
    /// Samples that got no answer at all.
    public var unanswered: Int
    /// The first `keptLimit` samples that did not match, in order.
    public var firstMismatches: [InvariantSample]
    /// The first `keptLimit` samples that got no answer, in order.
    public var firstUnanswered: [InvariantSample]
    /// When the last sample that did not match was taken (nil when none).
    public var lastMismatchAt: Double?
    /// When the last sample that got no answer was taken (nil when none).
    public var lastUnansweredAt: Double?

    /// How many samples of each sort are kept with what they saw.
    public static let keptLimit = 5
    /// How many lines of a kept sample's diff are kept.
    public static let detailLimit = 20

    public init(start: Double) {
        self.start = start
        self.end = nil
        self.taken = 0
        self.mismatched = 0
        self.unanswered = 0
        self.firstMismatches = []
        self.firstUnanswered = []
    }

    /// Records the sample taken at `at` (run clock: when its request or query was sent).
    public mutating func record(_ attempt: CheckAttempt, at: Double) {
        taken += 1
        guard attempt.result.verdict != .passed || !attempt.answered else { return }
        let kept = InvariantSample(at: at, message: attempt.result.message,
                                   details: Array(attempt.result.details.prefix(Self.detailLimit)))
        if attempt.answered {
            mismatched += 1
            lastMismatchAt = at
            if firstMismatches.count < Self.keptLimit { firstMismatches.append(kept) }
        } else {
            unanswered += 1
            lastUnansweredAt = at
            if firstUnanswered.count < Self.keptLimit { firstUnanswered.append(kept) }
        }
    }

    /// Closes the window at `at` (run clock).
    public mutating func close(at: Double) {
        end = max(start, at)
    }

    /// Samples that were answered (matching or not).
    public var answered: Int { taken - unanswered }
}

/// One sample that did not match or got no answer: when it was taken and what was seen.
public struct InvariantSample: Sendable, Hashable, Codable {
    /// Run clock: when the sample's request or query was sent.
    public var at: Double
    /// The check's message: the mismatch, or why no answer came.
    public var message: String
    /// The mismatch's diff lines (at most `InvariantSamples.detailLimit`).
    public var details: [String]

    public init(at: Double, message: String, details: [String] = []) {
        self.at = at
        self.message = message
        self.details = details
    }
}
