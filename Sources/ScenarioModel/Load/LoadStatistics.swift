/// Statistics of the background load: per phase and per second, from the request records alone.
///
/// Every figure is streamed: one pass over the records (in any order) into counters and histograms,
/// so the records themselves can stay in the load's spill file.
public enum LoadStatistics {
    /// Stats of every phase, in order, in one pass.
    public static func phases(_ records: some Sequence<RequestRecord>, windows: PhaseWindows) -> [PhaseStats] {
        let bounds = Phase.allCases.map(windows.window)
        var accumulators = Phase.allCases.map { _ in PhaseAccumulator() }
        for record in records {
            for (index, window) in bounds.enumerated() where record.intended >= window.start && record.intended < window.end {
                accumulators[index].add(record)
            }
        }
        return Phase.allCases.enumerated().map { index, phase in
            let window = windows.window(phase)
            return accumulators[index].stats(phase: phase, start: window.start, end: window.end)
        }
    }

    /// Stats of one phase (requests whose intended time falls in the phase's window).
    public static func stats(_ records: some Sequence<RequestRecord>, phase: Phase, windows: PhaseWindows) -> PhaseStats {
        let window = windows.window(phase)
        var accumulator = PhaseAccumulator()
        for record in records where record.intended >= window.start && record.intended < window.end { accumulator.add(record) }
        return accumulator.stats(phase: phase, start: window.start, end: window.end)
    }

    /// Stats of the given records, reported as `phase` over `[start, end)`.
    public static func stats(_ records: some Sequence<RequestRecord>, phase: Phase, start: Double, end: Double) -> PhaseStats {
        var accumulator = PhaseAccumulator()
        for record in records { accumulator.add(record) }
        return accumulator.stats(phase: phase, start: start, end: end)
    }

    /// One bucket per second, numbered in seconds since `origin` (the run's start, so that the chart
    /// draws the load on the same axis as the timeline), from the first record's second to the last.
    /// The percentiles come from a sparse histogram per second (`LaneLatencies`).
    public static func series(_ records: some Sequence<RequestRecord>, origin: Double = 0) -> [LoadSecond] {
        var seconds: [Int: SecondAccumulator] = [:]
        for record in records {
            seconds[Int((record.intended - origin).rounded(.down)), default: SecondAccumulator()].add(record)
        }
        guard let first = seconds.keys.min(), let last = seconds.keys.max() else { return [] }
        return (first...last).map { second in
            let bucket = seconds[second] ?? SecondAccumulator()
            return LoadSecond(second: second, sent: bucket.sent, errors: bucket.errors,
                              p50: bucket.latencies.percentile(50), p99: bucket.latencies.percentile(99), versions: bucket.versions)
        }
    }
}

/// The running figures of one phase: counts, failures by kind, pods, versions and an HDR histogram.
struct PhaseAccumulator {
    private var count = 0
    private var succeeded = 0
    private var errorsByKind: [String: Int] = [:]
    private var pods: [String: Int] = [:]
    private var versions: [String: Int] = [:]
    private var recorder = LatencyRecorder()

    mutating func add(_ record: RequestRecord) {
        count += 1
        if record.succeeded { succeeded += 1 } else { errorsByKind[record.outcome.label, default: 0] += 1 }
        if let pod = record.servedBy { pods[pod, default: 0] += 1 }
        if let version = record.version { versions[version, default: 0] += 1 }
        if LatencyRecorder.hasLatency(record) { recorder.record(seconds: record.latency) }
    }

    func stats(phase: Phase, start: Double, end: Double) -> PhaseStats {
        let errors = count - succeeded
        let length = end - start
        return PhaseStats(
            phase: phase, start: start, end: end, count: count, succeeded: succeeded, errors: errors,
            errorRate: count == 0 ? 0 : Double(errors) / Double(count),
            throughput: length > 0 ? Double(succeeded) / length : 0,
            offeredRate: length > 0 ? Double(count) / length : 0,
            p50: recorder.percentile(50), p95: recorder.percentile(95), p99: recorder.percentile(99), max: recorder.max,
            errorsByKind: errorsByKind, servingPods: pods, versions: versions)
    }
}

/// The running figures of one second of the lane.
private struct SecondAccumulator {
    var sent = 0
    var errors = 0
    var versions: [String: Int] = [:]
    var latencies = LaneLatencies()

    mutating func add(_ record: RequestRecord) {
        sent += 1
        if !record.succeeded { errors += 1 }
        if let version = record.version { versions[version, default: 0] += 1 }
        if LatencyRecorder.hasLatency(record) { latencies.record(seconds: record.latency) }
    }
}
