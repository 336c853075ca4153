/// The latencies of one second of load, for the timeline's per-second lane: a sparse log-linear
/// histogram (HDR-style buckets, 128 per power of two, so within 0.8 %), holding only the buckets
/// that occur.
///
/// A dense HDR histogram (`LatencyRecorder`) is 13 KiB or more; one per second of a long run would be
/// the memory the load generator no longer spends on records. A second's latencies fall in a few
/// dozen buckets. Each bucket keeps its largest value, so a percentile is a latency that was
/// measured: exact when its bucket holds one distinct value, otherwise at most 0.8 % above the exact
/// nearest-rank value, never below it.
public struct LaneLatencies: Sendable, Hashable {
    private struct Bucket: Sendable, Hashable {
        var count: Int
        var largest: UInt64
    }

    private var buckets: [Int: Bucket] = [:]
    /// Latencies recorded.
    public private(set) var count = 0

    private static let subBucketBits = 7

    public init() {}

    /// Records one latency in seconds (microsecond resolution, clamped like `LatencyRecorder`).
    public mutating func record(seconds: Double) {
        let micros = LatencyRecorder.microseconds(seconds)
        let index = Self.bucket(of: micros)
        count += 1
        if var bucket = buckets[index] {
            bucket.count += 1
            bucket.largest = max(bucket.largest, micros)
            buckets[index] = bucket
        } else {
            buckets[index] = Bucket(count: 1, largest: micros)
        }
    }

    /// The nearest-rank latency at `percentile` (0…100) in seconds (see the type's note), nil when empty.
    public func percentile(_ percentile: Double) -> Double? {
        guard count > 0 else { return nil }
        let rank = min(max(Int((percentile / 100 * Double(count)).rounded(.up)), 1), count)
        var seen = 0
        for index in buckets.keys.sorted() {
            guard let bucket = buckets[index] else { continue }
            seen += bucket.count
            if seen >= rank { return Double(bucket.largest) / 1_000_000 }
        }
        return nil
    }

    /// The bucket of a latency in microseconds: exact below 128 µs, then 128 buckets per power of two.
    static func bucket(of micros: UInt64) -> Int {
        let half = UInt64(1) << subBucketBits
        guard micros >= half else { return Int(micros) }
        let exponent = 63 - micros.leadingZeroBitCount
        let shift = exponent - subBucketBits
        return (shift + 1) << subBucketBits + Int((micros >> UInt64(shift)) - half)
    }
}
