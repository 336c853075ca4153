import Histogram

/// Latencies in an HDR histogram (microsecond resolution, 3 significant digits), corrected for
/// coordinated omission.
///
/// The correction is by construction: each latency is measured from the request's *intended* send
/// time in the constant-rate schedule (`RequestRecord.latency`), so a stall that delays sending is
/// charged to the requests that waited. (The other way, `recordCorrectedValue(_:expectedInterval:)`,
/// back-fills synthetic samples for a closed-loop generator; it is available here for comparisons.)
public struct LatencyRecorder: Sendable {
    private var histogram: Histogram<UInt64>

    /// The largest latency kept exactly (longer ones are clamped): one hour.
    public static let highestTrackableMicroseconds: UInt64 = 3_600_000_000

    public init() {
        histogram = Histogram<UInt64>(lowestDiscernibleValue: 1, highestTrackableValue: Self.highestTrackableMicroseconds,
                                      numberOfSignificantValueDigits: .three)
    }

    /// Records one latency in seconds.
    public mutating func record(seconds: Double) {
        _ = histogram.record(Self.microseconds(seconds))
    }

    /// Records a latency of a closed-loop measurement and back-fills the samples coordinated omission hid.
    public mutating func recordCorrected(seconds: Double, expectedInterval: Double) {
        _ = histogram.recordCorrectedValue(Self.microseconds(seconds), expectedInterval: Self.microseconds(expectedInterval))
    }

    /// Records the corrected latency of every answered request.
    public mutating func record(_ records: some Sequence<RequestRecord>) {
        for record in records where Self.hasLatency(record) { self.record(seconds: record.latency) }
    }

    public var count: Int { Int(histogram.totalCount) }

    /// The latency at `percentile` (0…100) in seconds, or `nil` with no samples.
    public func percentile(_ percentile: Double) -> Double? {
        guard histogram.totalCount > 0 else { return nil }
        return Double(histogram.valueAtPercentile(percentile)) / 1_000_000
    }

    /// The largest recorded latency in seconds.
    public var max: Double? { histogram.totalCount > 0 ? Double(histogram.max) / 1_000_000 : nil }

    /// Adds another recorder's samples.
    public mutating func add(_ other: LatencyRecorder) { histogram.add(other.histogram) }

    /// Whether a record's latency belongs in the histogram: everything that got an answer or timed out
    /// (a timeout's latency is the time waited). Overload rejections were never sent.
    public static func hasLatency(_ record: RequestRecord) -> Bool {
        record.outcome != .overload
    }

    static func microseconds(_ seconds: Double) -> UInt64 {
        let value = (Swift.max(0, seconds) * 1_000_000).rounded()
        return Swift.min(UInt64(value), highestTrackableMicroseconds)
    }
}
