import Testing
@testable import ScenarioEngine
@testable import ScenarioModel

/// Helpers to make request records for tests.
enum Records {
    static func ok(_ sequence: Int, at intended: Double, latency: Double, op: LoadOperation = .list, pod: String = "backend-a",
                   version: String = "v1", key: String? = nil, sentLate: Double = 0) -> RequestRecord {
        RequestRecord(sequence: sequence, operation: op, intended: intended, start: intended + sentLate, end: intended + latency,
                      outcome: .status(200), servedBy: pod, version: version, idempotencyKey: key)
    }

    static func failed(_ sequence: Int, at intended: Double, latency: Double = 0.01, outcome: RequestOutcome = .status(503),
                       op: LoadOperation = .list, key: String? = nil, version: String? = nil) -> RequestRecord {
        RequestRecord(sequence: sequence, operation: op, intended: intended, start: intended, end: intended + latency,
                      outcome: outcome, servedBy: nil, version: version, idempotencyKey: key)
    }

    /// `count` successful requests at `rate` per second from `start`, each taking `latency`.
    static func steady(from start: Double, count: Int, rate: Double, latency: Double, pod: String = "backend-a",
                       version: String = "v1", firstSequence: Int = 0) -> [RequestRecord] {
        (0..<count).map { ok(firstSequence + $0, at: start + Double($0) / rate, latency: latency, pod: pod, version: version) }
    }
}

@Suite struct LatencyRecorderTests {
    @Test func percentilesComeFromTheHistogramWithinItsPrecision() {
        var recorder = LatencyRecorder()
        for millisecond in 1...1000 { recorder.record(seconds: Double(millisecond) / 1000) }
        #expect(recorder.count == 1000)
        #expect(abs((recorder.percentile(50) ?? 0) - 0.5) < 0.001)
        #expect(abs((recorder.percentile(99) ?? 0) - 0.99) < 0.001)
        #expect(abs((recorder.max ?? 0) - 1.0) < 0.001)
        #expect(LatencyRecorder().percentile(50) == nil)
    }

    @Test func latencyIsMeasuredFromTheIntendedSendTime() {
        // The generator stalled: the request was due at 10.0 but only sent at 12.0, answered at 12.1.
        let late = RequestRecord(sequence: 0, operation: .list, intended: 10, start: 12, end: 12.1, outcome: .status(200))
        #expect(abs(late.latency - 2.1) < 1e-9)
        #expect(abs(late.serviceTime - 0.1) < 1e-9)
        var recorder = LatencyRecorder()
        recorder.record([late])
        #expect(abs((recorder.percentile(50) ?? 0) - 2.1) < 0.01)
    }

    @Test func aStallIsChargedToEveryRequestThatWaited() {
        // 100 req/s for 10 s; the server stalls 1 s at t=5. Measured from intended times, the
        // hundred requests due during the stall all see it (coordinated omission corrected):
        // p99 shows the stall although only one in ten seconds "was slow" to a closed-loop client.
        var records = Records.steady(from: 0, count: 1000, rate: 100, latency: 0.005)
        for index in 500..<600 {
            let intended = Double(index) / 100
            records[index] = RequestRecord(sequence: index, operation: .list, intended: intended, start: intended,
                                           end: 6.005, outcome: .status(200))
        }
        var recorder = LatencyRecorder()
        recorder.record(records)
        #expect((recorder.percentile(95) ?? 0) > 0.5)
        #expect((recorder.percentile(50) ?? 1) < 0.01)
    }

    @Test func theClosedLoopCorrectionBackFillsMissedSamples() {
        var recorder = LatencyRecorder()
        recorder.recordCorrected(seconds: 1, expectedInterval: 0.1)
        #expect(recorder.count == 10)
    }

    @Test func overloadRejectionsHaveNoLatency() {
        var recorder = LatencyRecorder()
        recorder.record([Records.failed(0, at: 1, outcome: .overload), Records.failed(1, at: 1, latency: 5, outcome: .timeout)])
        #expect(recorder.count == 1)
    }
}

@Suite struct LoadStatisticsTests {
    let windows = PhaseWindows(loadStart: 0, stepsStart: 10, recoveryEnd: 20, loadEnd: 30)

    @Test func requestsAreSplitIntoPhasesByIntendedTime() {
        let records = Records.steady(from: 0, count: 300, rate: 10, latency: 0.02)
        let phases = LoadStatistics.phases(records, windows: windows)
        #expect(phases.map(\.phase) == [.before, .during, .after])
        #expect(phases.map(\.count) == [100, 100, 100])
        #expect(phases.allSatisfy { abs($0.throughput - 10) < 1e-9 && $0.errorRate == 0 })
        #expect(abs((phases[0].p99 ?? 0) - 0.02) < 0.0001)
    }

    @Test func errorsAreCountedByKindAndRate() {
        var records = Records.steady(from: 10, count: 100, rate: 10, latency: 0.02)
        records[3] = Records.failed(3, at: records[3].intended)
        records[4] = Records.failed(4, at: records[4].intended, outcome: .timeout)
        records[5] = Records.failed(5, at: records[5].intended, outcome: .connection("connection refused"))
        records[6] = Records.failed(6, at: records[6].intended, outcome: .overload)
        let during = LoadStatistics.stats(records, phase: .during, windows: windows)
        #expect(during.count == 100)
        #expect(during.errors == 4)
        #expect(during.errorRate == 0.04)
        #expect(during.errorsByKind == ["status 503": 1, "timeout": 1, "connection": 1, "overload": 1])
        #expect(abs(during.throughput - 9.6) < 1e-9)
        #expect(abs(during.offeredRate - 10) < 1e-9)
    }

    @Test func podsAndVersionsAreCounted() {
        let records = Records.steady(from: 20, count: 10, rate: 10, latency: 0.01, pod: "backend-a")
            + Records.steady(from: 21, count: 5, rate: 10, latency: 0.01, pod: "backend-b", version: "v2")
        let after = LoadStatistics.stats(records, phase: .after, windows: windows)
        #expect(after.servingPods == ["backend-a": 10, "backend-b": 5])
        #expect(after.versions == ["v1": 10, "v2": 5])
    }

    @Test func anEmptyPhaseHasNoPercentiles() {
        let stats = LoadStatistics.stats([], phase: .before, windows: windows)
        #expect(stats.count == 0 && stats.errorRate == 0 && stats.p99 == nil)
    }

    @Test func thePerSecondSeriesHasOneBucketPerSecondIncludingEmptyOnes() {
        let records = Records.steady(from: 0, count: 10, rate: 10, latency: 0.01) + [Records.failed(10, at: 3.5)]
        let series = LoadStatistics.series(records)
        #expect(series.map(\.second) == [0, 1, 2, 3])
        #expect(series.map(\.sent) == [10, 0, 0, 1])
        #expect(series[3].errors == 1)
        #expect(series[1].p99 == nil)
    }

    @Test func perSecondPercentilesAreNearestRankOfMeasuredLatencies() {
        var lane = LaneLatencies()
        #expect(lane.percentile(50) == nil)
        for millis in 1...10 { lane.record(seconds: Double(millis) / 1000) }
        // Values in buckets of their own come back exactly.
        #expect(lane.percentile(50) == 0.005)
        #expect(lane.percentile(99) == 0.010)
        #expect(lane.percentile(0) == 0.001)
        #expect(lane.count == 10)
        let series = LoadStatistics.series((0..<10).map { Records.ok($0, at: Double($0) / 10, latency: Double($0 + 1) / 100) })
        #expect(abs((series.first?.p50 ?? 0) - 0.05) < 1e-9)
    }

    @Test func laneBucketsAreMonotonicAndWithinOnePartIn128() {
        var previous = -1
        var value: UInt64 = 0
        while value < 4_000_000_000 {
            let bucket = LaneLatencies.bucket(of: value)
            #expect(bucket >= previous)
            previous = bucket
            value = value < 1000 ? value + 1 : value + value / 97
        }
        // Two latencies 0.5 % apart may share a bucket; the percentile is then the larger, never the smaller.
        var lane = LaneLatencies()
        lane.record(seconds: 0.200)
        lane.record(seconds: 0.2008)
        #expect(lane.percentile(50) == 0.2008 || lane.percentile(50) == 0.2)
        #expect((lane.percentile(50) ?? 0) >= 0.2)
        // Thousands of latencies in a second stay a few dozen buckets and the percentiles stay within 0.8 %.
        var many = LaneLatencies()
        var exact: [Double] = []
        for index in 0..<5000 {
            let latency = 0.002 + Double(index % 250) * 0.0004
            many.record(seconds: latency)
            exact.append(latency)
        }
        exact.sort()
        for percentile in [50.0, 95, 99] {
            let rank = Int((percentile / 100 * Double(exact.count)).rounded(.up)) - 1
            let value = many.percentile(percentile) ?? 0
            #expect(value >= exact[rank] - 1e-6 && value <= exact[rank] * (1 + 1.0 / 128) + 1e-6)
        }
    }

    @Test func phaseWindowsNameThePhaseOfATime() {
        #expect(windows.phase(at: 0) == .before)
        #expect(windows.phase(at: 10) == .during)
        #expect(windows.phase(at: 29.9) == .after)
        #expect(windows.phase(at: 30) == nil)
    }
}
