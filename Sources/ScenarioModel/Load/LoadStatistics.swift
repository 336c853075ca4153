/// Statistics of the background load: per phase and per second, from the request records alone.
public enum LoadStatistics {
    /// Stats of every phase, in order.
    public static func phases(_ records: [RequestRecord], windows: PhaseWindows) -> [PhaseStats] {
        Phase.allCases.map { stats(records, phase: $0, windows: windows) }
    }

    /// Stats of one phase (requests whose intended time falls in the phase's window).
    public static func stats(_ records: [RequestRecord], phase: Phase, windows: PhaseWindows) -> PhaseStats {
        let window = windows.window(phase)
        let inWindow = records.filter { $0.intended >= window.start && $0.intended < window.end }
        return stats(inWindow, phase: phase, start: window.start, end: window.end)
    }

    /// Stats of the given records, reported as `phase` over `[start, end)`.
    public static func stats(_ records: [RequestRecord], phase: Phase, start: Double, end: Double) -> PhaseStats {
        var recorder = LatencyRecorder()
        recorder.record(records)
        let succeeded = records.filter(\.succeeded).count
        let errors = records.count - succeeded
        let length = end - start
        var errorsByKind: [String: Int] = [:]
        var pods: [String: Int] = [:]
        var versions: [String: Int] = [:]
        for record in records {
            if !record.succeeded { errorsByKind[record.outcome.label, default: 0] += 1 }
            if let pod = record.servedBy { pods[pod, default: 0] += 1 }
            if let version = record.version { versions[version, default: 0] += 1 }
        }
        return PhaseStats(
            phase: phase, start: start, end: end, count: records.count, succeeded: succeeded, errors: errors,
            errorRate: records.isEmpty ? 0 : Double(errors) / Double(records.count),
            throughput: length > 0 ? Double(succeeded) / length : 0,
            offeredRate: length > 0 ? Double(records.count) / length : 0,
            p50: recorder.percentile(50), p95: recorder.percentile(95), p99: recorder.percentile(99), max: recorder.max,
            errorsByKind: errorsByKind, servingPods: pods, versions: versions)
    }

    /// One bucket per second, numbered in seconds since `origin` (the run's start, so that the chart
    /// draws the load on the same axis as the timeline), from the first record's second to the last.
    public static func series(_ records: [RequestRecord], origin: Double = 0) -> [LoadSecond] {
        guard !records.isEmpty else { return [] }
        let grouped = Dictionary(grouping: records) { Int(($0.intended - origin).rounded(.down)) }
        let last = grouped.keys.max() ?? 0
        let first = grouped.keys.min() ?? 0
        return (first...last).map { second in
            let bucket = grouped[second] ?? []
            // A second holds few requests: exact percentiles of the sorted latencies are cheaper than a histogram each.
            let latencies = bucket.filter(LatencyRecorder.hasLatency).map(\.latency).sorted()
            return LoadSecond(second: second, sent: bucket.count, errors: bucket.filter { !$0.succeeded }.count,
                              p50: nearestRank(latencies, 50), p99: nearestRank(latencies, 99),
                              versions: Dictionary(grouping: bucket.compactMap(\.version), by: { $0 }).mapValues(\.count))
        }
    }

    /// The nearest-rank percentile of sorted values (nil when empty).
    static func nearestRank(_ sorted: [Double], _ percentile: Double) -> Double? {
        guard !sorted.isEmpty else { return nil }
        let rank = Int((percentile / 100 * Double(sorted.count)).rounded(.up))
        return sorted[min(max(rank, 1), sorted.count) - 1]
    }
}
