/// The spread of one figure over the runs of `--repeat N`: min, median, p90 and max.
///
/// Percentiles are nearest-rank — always a value some run measured, never an interpolation — so the
/// p90 of fewer than ten runs is their max.
public struct Distribution: Sendable, Hashable, Codable {
    /// How many runs measured the figure.
    public var count: Int
    public var min: Double
    public var median: Double
    public var p90: Double
    public var max: Double

    public init(count: Int, min: Double, median: Double, p90: Double, max: Double) {
        self.count = count
        self.min = min
        self.median = median
        self.p90 = p90
        self.max = max
    }

    /// The distribution of `values` (non-finite ones ignored); nil when none is left.
    public init?(_ values: [Double]) {
        let sorted = values.filter(\.isFinite).sorted()
        guard let first = sorted.first, let last = sorted.last,
              let median = Self.nearestRank(sorted, 50), let p90 = Self.nearestRank(sorted, 90) else { return nil }
        self.init(count: sorted.count, min: first, median: median, p90: p90, max: last)
    }

    /// The nearest-rank percentile (0…100) of sorted values: the smallest value with at least
    /// `percentile` % of the values at or below it; nil when empty.
    public static func nearestRank(_ sorted: [Double], _ percentile: Double) -> Double? {
        guard !sorted.isEmpty else { return nil }
        let rank = Int((percentile / 100 * Double(sorted.count)).rounded(.up))
        return sorted[Swift.min(Swift.max(rank, 1), sorted.count) - 1]
    }
}
