import Testing
@testable import ScenarioEngine
@testable import ScenarioModel

@Suite struct LoadEvaluatorTests {
    let windows = PhaseWindows(loadStart: 0, stepsStart: 10, recoveryEnd: 20, loadEnd: 30)

    /// 10 req/s for 30 s: fast before and after, slower with some errors during.
    func records() -> [RequestRecord] {
        (0..<300).map { index in
            let t = Double(index) / 10
            if t >= 10 && t < 20 {
                return index % 20 == 0 ? Records.failed(index, at: t) : Records.ok(index, at: t, latency: 0.8, pod: "backend-\(index % 2)")
            }
            return Records.ok(index, at: t, latency: 0.05, pod: "backend-\(index % (t >= 20 ? 4 : 1))")
        }
    }

    var evaluator: LoadEvaluator { LoadEvaluator(records: records(), windows: windows, targetRate: 10) }

    @Test func anSLOWithinBoundsPasses() {
        let result = evaluator.slo(.before, SLOBounds(errorRate: 0, p99: .seconds(0.1)), name: "slo before")
        #expect(result.verdict == .passed)
        #expect(result.message == "before: error rate 0% (≤ 0%), p99 50ms (≤ 100ms)")
    }

    @Test func anSLOOutsideItsBoundsFailsNamingWhatBroke() {
        let result = evaluator.slo(.during, SLOBounds(errorRate: 0.01, p50: .seconds(1), p99: .seconds(0.5)), name: "slo during")
        #expect(result.verdict == .failed)
        #expect(result.message == "during: error rate 5% exceeds (≤ 1%), p99 800ms exceeds (≤ 500ms)")
        #expect(result.details == ["status 503: 5"])
        #expect(result.measured["errorRate"] == 0.05)
    }

    /// `max` bounds the slowest request, failed ones included: one request that hung 12 s before its
    /// error fails it though the p99 is fine.
    @Test func theSlowestRequestIsBoundedByMaxFailedOnesIncluded() {
        var records = records()
        records.append(Records.failed(300, at: 15, latency: 12))
        let evaluator = LoadEvaluator(records: records, windows: windows, targetRate: 10)
        let result = evaluator.slo(.during, SLOBounds(p99: .seconds(1), max: .seconds(5)), name: "slo during")
        #expect(result.verdict == .failed)
        #expect(result.message == "during: max 12.0s exceeds (≤ 5s)")
        #expect(abs((result.measured["max"] ?? 0) - 12) < 0.01)
        #expect(evaluator.slo(.before, SLOBounds(max: .seconds(5)), name: "slo before").verdict == .passed)
    }

    @Test func anEmptyPhaseIsAnErrorNotAPass() {
        let empty = LoadEvaluator(records: [], windows: windows, targetRate: 10)
        #expect(empty.slo(.after, SLOBounds(errorRate: 0), name: "s").verdict == .error)
    }

    @Test func throughputIsJudgedAgainstTheTargetAndAnotherPhase() {
        let result = evaluator.throughput(ThroughputAssertion(phase: .during, minPercentOfTarget: 90, comparedTo: .before, minRatio: 1), name: "t")
        #expect(result.verdict == .failed)
        #expect(result.message == "during: 9.5 req/s = 95.0% of the 10.0 req/s target (≥ 90%); 0.95× phase before (below 1.00×)")
        #expect(evaluator.throughput(ThroughputAssertion(phase: .after, minPercentOfTarget: 100), name: "t").verdict == .passed)
    }

    @Test func throughputAtTheSLOCountsOnlyAnswersWithinTheLatency() {
        // During: 9.5 req/s of 2xx, all at 800ms; before: 10 req/s at 50ms.
        let slow = evaluator.throughput(ThroughputAssertion(phase: .during, minPercentOfTarget: 50, within: .seconds(0.5)), name: "t")
        #expect(slow.verdict == .failed)
        #expect(slow.message == "during (answered within 500ms): 0.0 req/s = 0.0% of the 10.0 req/s target (below 50%)")
        let rise = evaluator.throughput(ThroughputAssertion(phase: .after, comparedTo: .during, minRatio: 2, within: .seconds(1)), name: "t")
        #expect(rise.verdict == .failed)
        #expect(rise.message == "after (answered within 1s): 1.05× phase during (below 2.00×)")
        let atSLO = evaluator.throughput(ThroughputAssertion(phase: .after, comparedTo: .during, minRatio: 2, within: .seconds(0.5)), name: "t")
        #expect(atSLO.verdict == .passed)
        #expect(atSLO.measured["ratio"] == nil)  // during served nothing within 500ms: the ratio is unbounded
    }

    @Test func servingPodsCountsDistinctPods() {
        #expect(evaluator.servingPods(ServingPodsAssertion(phase: .after, atLeast: 4), name: "p").verdict == .passed)
        let before = evaluator.servingPods(ServingPodsAssertion(phase: .before, atLeast: 2), name: "p")
        #expect(before.verdict == .failed)
        #expect(before.message == "before: 1 pod(s) served requests (at least 2)")
        #expect(before.details == ["backend-0: 100 request(s)"])
    }

    @Test func isolationCountsEveryAnswerThatCarriedAnotherUsersDataAndNamesWhose() {
        var records = records()
        #expect(LoadEvaluator(records: records, windows: windows, targetRate: 10).isolation(IsolationAssertion(), name: "i").verdict == .passed)
        records[42].outcome = .foreign(status: 200, owner: "labrun-user-3")
        records[43].outcome = .foreign(status: 200, owner: "labrun-user-3")
        let result = LoadEvaluator(records: records, windows: windows, targetRate: 10).isolation(IsolationAssertion(), name: "i")
        #expect(result.verdict == .failed)
        #expect(result.message.contains("2 answer(s) to the load carried another user's data"))
        #expect(result.details.first == "\(records[42].operation.rawValue) answered with data of labrun-user-3: 2")
        #expect(LoadEvaluator(records: records, windows: windows, targetRate: 10).isolation(IsolationAssertion(maxForeign: 2), name: "i").verdict == .passed)
    }

    @Test func sessionsServedByOnePodFailAndShortSessionsAreNotJudged() {
        // Conversation 1: 12 answers over three pods; 2: 12 answers from one pod; 3: 3 answers (not judged).
        var records: [RequestRecord] = []
        for index in 0..<12 {
            var spread = Records.ok(index, at: Double(index), latency: 0.01, pod: "backend-\(index % 3)")
            spread.session = "1"
            var pinned = Records.ok(100 + index, at: Double(index), latency: 0.01, pod: "backend-0")
            pinned.session = "2"
            records += [spread, pinned]
        }
        for index in 0..<3 {
            var short = Records.ok(200 + index, at: Double(index), latency: 0.01, pod: "backend-1")
            short.session = "3"
            records.append(short)
        }
        let evaluator = LoadEvaluator(records: records, windows: windows, targetRate: 10)
        let failed = evaluator.sessions(SessionsAssertion(), name: "s")
        #expect(failed.verdict == .failed)
        #expect(failed.message == "2 session(s) with at least 10 requests: 1 answered by fewer than 2 pods "
                + "(pinned to a pod: state kept in one process, or sticky routing)")
        #expect(failed.details == ["session 2: 12 request(s), 12 answered, all by backend-0"])
        let spreadOnly = LoadEvaluator(records: records.filter { $0.session != "2" }, windows: windows, targetRate: 10)
        #expect(spreadOnly.sessions(SessionsAssertion(), name: "s").verdict == .passed)
        // Nothing long enough to judge proves nothing: it fails.
        let none = spreadOnly.sessions(SessionsAssertion(minRequests: 50), name: "s")
        #expect(none.verdict == .failed && none.message.hasPrefix("no session got 50 requests (2 session(s))"))
        // Requests count whatever their answer: a session only one pod can answer (the others 404) is pinned.
        let failing = (0..<12).map { index -> RequestRecord in
            var record = index % 3 == 0 ? Records.ok(index, at: Double(index), latency: 0.01, pod: "backend-0")
                                        : Records.failed(index, at: Double(index), outcome: .status(404))
            record.session = "7"
            return record
        }
        let pinnedByErrors = LoadEvaluator(records: failing, windows: windows, targetRate: 10).sessions(SessionsAssertion(), name: "s")
        #expect(pinnedByErrors.verdict == .failed && pinnedByErrors.details == ["session 7: 12 request(s), 4 answered, all by backend-0"])
    }
}

@Suite struct RecoveryEvaluatorTests {
    @Test func replicasReadyIsMeasuredFromTheFaultToTheObservedReadyTime() {
        #expect(RecoveryEvaluator.measure(.replicasReady, faultAt: 100, readyAt: 112.5) == 12.5)
        #expect(RecoveryEvaluator.measure(.replicasReady, faultAt: 100, readyAt: nil) == nil)
        let spec = RecoveryTimeAssertion(measure: .replicasReady, workload: "backend", after: "kill", within: .seconds(30))
        let pass = RecoveryEvaluator.evaluate(spec, measured: 12.5, name: "r")
        #expect(pass.verdict == .passed)
        #expect(pass.message == "backend replicas ready 12.5s after step kill's fault (limit 30s)")
        #expect(RecoveryEvaluator.evaluate(spec, measured: 31, name: "r").verdict == .failed)
        #expect(RecoveryEvaluator.evaluate(spec, measured: nil, name: "r").message == "backend replicas ready never recovered after step kill (limit 30s)")
    }

    @Test func theErrorWindowEndsWithTheLastFailureFollowedBySuccess() {
        var records = Records.steady(from: 0, count: 100, rate: 10, latency: 0.01)
        for index in [52, 55, 61] { records[index] = Records.failed(index, at: records[index].intended, latency: 0.5) }
        records[40] = Records.failed(40, at: 4.0)  // before the fault: not counted
        let window = RecoveryEvaluator.measure(.errorWindow, faultAt: 5, records: records)
        #expect(abs((window ?? 0) - 1.6) < 1e-9)
        #expect(RecoveryEvaluator.measure(.errorWindow, faultAt: 9.5, records: records) == 0)
        let neverRecovered = records + [Records.failed(100, at: 10.5)]
        #expect(RecoveryEvaluator.measure(.errorWindow, faultAt: 5, records: neverRecovered) == nil)
    }

    @Test func theErrorWindowStopsWhereTheNextStepBegins() {
        var records = Records.steady(from: 0, count: 100, rate: 10, latency: 0.01)
        for index in [52, 55] { records[index] = Records.failed(index, at: records[index].intended, latency: 0.5) }
        // A later step (say a cluster restart at 8 s) causes its own errors: not this fault's.
        for index in [81, 85] { records[index] = Records.failed(index, at: records[index].intended, latency: 0.5) }
        let own = RecoveryEvaluator.measure(.errorWindow, faultAt: 5, records: records, until: 8)
        #expect(abs((own ?? 0) - 1.0) < 1e-9)
        let all = RecoveryEvaluator.measure(.errorWindow, faultAt: 5, records: records)
        #expect(abs((all ?? 0) - 4.0) < 1e-9)
    }

    @Test func aRequestStillInFlightWhenTheNextStepBeganIsNotThisFaultsError() {
        var records = Records.steady(from: 0, count: 100, rate: 10, latency: 0.01)
        records[52] = Records.failed(52, at: records[52].intended, latency: 0.5)
        // Sent at 7.9 s, it times out at 12.9 s: the next step (at 8 s) may have caused that.
        records[79] = Records.failed(79, at: records[79].intended, latency: 5)
        let own = RecoveryEvaluator.measure(.errorWindow, faultAt: 5, records: records, until: 8)
        #expect(abs((own ?? 0) - 0.7) < 1e-9)
        // Failing right up to the next step: never seen to recover, however the later requests went.
        for index in 52..<100 { records[index] = Records.failed(index, at: records[index].intended, latency: 0.01) }
        #expect(RecoveryEvaluator.measure(.errorWindow, faultAt: 5, records: records, until: 8) == nil)
    }

    @Test func firstSuccessIsTheFirstGoodAnswerSentAfterTheFault() {
        let records = [Records.failed(0, at: 5), Records.failed(1, at: 6), Records.ok(2, at: 7, latency: 0.25), Records.ok(3, at: 8, latency: 0.01)]
        #expect(RecoveryEvaluator.measure(.firstSuccess, faultAt: 5, records: records) == 2.25)
        #expect(RecoveryEvaluator.measure(.firstSuccess, faultAt: 9, records: records) == nil)
    }
}
