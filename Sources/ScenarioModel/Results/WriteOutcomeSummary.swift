/// The write ledger's figures for reports: writes per outcome class and how long acknowledged writes
/// took to become visible to a read. Numbers only (no keys), so it needs no redaction.
public struct WriteOutcomeSummary: Sendable, Hashable, Codable {
    /// Writes per class, by `WriteOutcome.rawValue`; every class is present, zero included.
    public var counts: [String: Int]
    /// Nil when the ledger was read only once (no visibility can be timed).
    public var visibility: VisibilitySummary?

    public init(counts: [WriteOutcome: Int], visibility: VisibilitySummary?) {
        self.counts = Dictionary(uniqueKeysWithValues: WriteOutcome.allCases.map { ($0.rawValue, counts[$0] ?? 0) })
        self.visibility = visibility
    }

    /// The number of writes in `outcome`.
    public func count(_ outcome: WriteOutcome) -> Int { counts[outcome.rawValue] ?? 0 }
}

/// Time from a write's acknowledgement (its 2xx answer) to the first ledger read that found its row (the
/// moment that read's answer arrived), over the acknowledged writes present at the end (`ok` and
/// acknowledged `duplicated`).
///
/// Each figure is an upper bound: the row became visible between the previous read and that one, so it
/// is high by at most the gap between two reads (`medianGap`, `longestGap`) plus one read's time. A write
/// found by a read that ended before its acknowledgement arrived counts as 0 (`beforeAcknowledgement`).
public struct VisibilitySummary: Sendable, Hashable, Codable {
    /// Acknowledged, present writes with a figure.
    public var measured: Int
    /// Of those, found by a read that ended before the acknowledgement arrived.
    public var beforeAcknowledgement: Int
    /// Nearest-rank percentiles and maximum, in seconds (nil when nothing was measured).
    public var p50: Double?
    public var p90: Double?
    public var p99: Double?
    public var max: Double?
    /// The distribution over `VisibilitySummary.bucketBounds`, then one open-ended bucket.
    public var buckets: [VisibilityBucket]
    /// Successful and failed reads of the ledger during the run (the last one at the end of the run).
    public var reads: Int
    public var failedReads: Int
    /// The median and longest gap between two successive successful reads: the resolution of the figures.
    public var medianGap: Double?
    public var longestGap: Double?
    /// Keys a read found that a later read no longer found.
    public var vanished: Int

    /// Upper bounds (seconds) of the histogram's buckets; the last bucket takes everything above.
    public static let bucketBounds: [Double] = [0.25, 0.5, 1, 2, 5, 10, 30]

    public init(latencies: [Double], beforeAcknowledgement: Int, visibility: LedgerVisibility) {
        let sorted = latencies.sorted()
        measured = sorted.count
        self.beforeAcknowledgement = beforeAcknowledgement
        p50 = Distribution.nearestRank(sorted, 50)
        p90 = Distribution.nearestRank(sorted, 90)
        p99 = Distribution.nearestRank(sorted, 99)
        max = sorted.last
        var counts = Array(repeating: 0, count: Self.bucketBounds.count + 1)
        for latency in sorted {
            counts[Self.bucketBounds.firstIndex { latency <= $0 } ?? Self.bucketBounds.count] += 1
        }
        buckets = counts.enumerated().map { index, count in
            VisibilityBucket(upTo: index < Self.bucketBounds.count ? Self.bucketBounds[index] : nil, count: count)
        }
        reads = visibility.reads.count
        failedReads = visibility.failedReads
        let gaps = visibility.gaps
        medianGap = Distribution.nearestRank(gaps, 50)
        longestGap = gaps.last
        vanished = visibility.vanished.count
    }
}

/// One bar of the visibility histogram: writes whose visibility was at most `upTo` seconds (and above
/// the previous bucket's bound); `upTo` nil is the open-ended last bucket.
public struct VisibilityBucket: Sendable, Hashable, Codable {
    public var upTo: Double?
    public var count: Int

    public init(upTo: Double?, count: Int) {
        self.upTo = upTo
        self.count = count
    }
}
