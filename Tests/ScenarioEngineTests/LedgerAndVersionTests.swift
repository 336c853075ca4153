import Testing
@testable import ScenarioEngine
@testable import ScenarioModel

@Suite struct WriteOutcomeTests {
    @Test func everyAnswerAndRowCountHasExactlyOneClass() {
        let table: [(WriteAnswer?, Int, WriteOutcome?)] = [
            (.acknowledged, 0, .lost), (.acknowledged, 1, .ok), (.acknowledged, 2, .duplicated),
            (.indeterminate, 0, .failedIndeterminate), (.indeterminate, 1, .recovered), (.indeterminate, 3, .duplicated),
            (.refused, 0, .failed), (.refused, 1, .unexpected), (.refused, 2, .unexpected),
            (.notSent, 0, .failed), (.notSent, 1, .unexpected),
            (nil, 0, nil), (nil, 1, .unexpected), (nil, 2, .unexpected),
        ]
        for (answer, rows, expected) in table {
            #expect(WriteOutcome.classify(answer, rows: rows) == expected, "\(String(describing: answer)) with \(rows) row(s)")
        }
        #expect(WriteOutcome.allCases.filter(\.isAnomaly) == [.lost, .duplicated, .unexpected])
    }

    @Test func aRequestsOutcomeGivesItsAnswer() {
        #expect(WriteAnswer(.status(201)) == .acknowledged)
        #expect(WriteAnswer(.status(204)) == .acknowledged)
        for refused in [400, 401, 403, 404, 409, 422, 429] { #expect(WriteAnswer(.status(refused)) == .refused, "\(refused)") }
        for unknown in [500, 502, 503, 504, 302, 101] { #expect(WriteAnswer(.status(unknown)) == .indeterminate, "\(unknown)") }
        #expect(WriteAnswer(.timeout) == .indeterminate)
        #expect(WriteAnswer(.connection("reset by peer")) == .indeterminate)
        #expect(WriteAnswer(.overload) == .notSent)
        #expect([WriteAnswer.refused, .acknowledged, .notSent, .indeterminate].max() == .acknowledged)
    }
}

@Suite struct WriteLedgerTests {
    /// One write of every kind of answer, acknowledged at `at + 0.01`.
    static func create(_ sequence: Int, at: Double, _ outcome: RequestOutcome) -> RequestRecord {
        RequestRecord(sequence: sequence, operation: .create, intended: at, start: at, end: at + 0.01, outcome: outcome,
                      idempotencyKey: "k\(sequence)")
    }

    let records: [RequestRecord] = [
        WriteLedgerTests.create(0, at: 0, .status(201)),           // present once: ok
        WriteLedgerTests.create(1, at: 0.1, .status(201)),         // absent: lost
        WriteLedgerTests.create(2, at: 0.2, .status(201)),         // twice: duplicated
        WriteLedgerTests.create(3, at: 0.3, .timeout),             // present: recovered
        WriteLedgerTests.create(4, at: 0.4, .connection("reset")), // absent: failed-indeterminate
        WriteLedgerTests.create(5, at: 0.5, .status(422)),         // present though refused: unexpected
        WriteLedgerTests.create(6, at: 0.6, .status(502)),         // present after a proxy's 502: recovered
        WriteLedgerTests.create(7, at: 0.7, .overload),            // never sent, absent: failed
        WriteLedgerTests.create(8, at: 0.8, .status(409)),         // refused, absent: failed
        Records.ok(9, at: 0.9, latency: 0.01, op: .list),
    ]
    let rows = ["k0": 1, "k2": 2, "k3": 1, "k5": 1, "k6": 1, "k-never-sent": 1]

    @Test func everyWriteFallsInOneClass() {
        let ledger = WriteLedger(records: records, operations: [.create], rows: rows)
        #expect(ledger.keys(.ok) == ["k0"])
        #expect(ledger.keys(.lost) == ["k1"])
        #expect(ledger.keys(.duplicated) == ["k2"])
        #expect(ledger.keys(.unexpected) == ["k-never-sent", "k5"])
        #expect(ledger.keys(.recovered) == ["k3", "k6"])
        #expect(ledger.keys(.failedIndeterminate) == ["k4"])
        #expect(ledger.keys(.failed) == ["k7", "k8"])
        #expect(ledger.acknowledged == 3)
        #expect(ledger.visibility == nil, "no reads during the run")
        #expect(ledger.countsLine == "ok 1, lost 1, duplicated 1, unexpected 2, recovered 2, failed-indeterminate 1, failed 2")
    }

    @Test func lostDuplicatedAndUnexpectedWritesFailWithTheirKeys() {
        let result = WriteLedger(records: records, operations: [.create], rows: rows).evaluate(WriteLedgerAssertion(), name: "ledger")
        #expect(result.verdict == .failed)
        #expect(result.message == "1 acknowledged write(s) lost (allowed 0); 1 write(s) duplicated (allowed 0); "
                + "2 unexpected write(s) present: never sent or refused (allowed 0) — "
                + "ok 1, lost 1, duplicated 1, unexpected 2, recovered 2, failed-indeterminate 1, failed 2")
        #expect(result.details == [
            "lost (acknowledged, no row):", "  k1",
            "duplicated (rows per key):", "  k2 × 2",
            "unexpected (present, never sent or refused):", "  k-never-sent (never attempted, 1 row(s))", "  k5 (status 422, 1 row(s))",
            "recovered (indeterminate, present):", "  k3 (timeout)", "  k6 (status 502)",
        ])
        #expect(result.measured["lost"] == 1 && result.measured["unexpected"] == 2 && result.measured["recovered"] == 2)
        #expect(result.measured["acknowledged"] == 3)
        #expect(result.writeOutcomes?.count(.failedIndeterminate) == 1)
        #expect(result.writeOutcomes?.counts.count == WriteOutcome.allCases.count)
    }

    @Test func allowancesAndRecoveredWrites() {
        let ledger = WriteLedger(records: records, operations: [.create], rows: rows)
        let lenient = ledger.evaluate(WriteLedgerAssertion(maxLost: 1, maxDuplicated: 1, maxUnexpected: 2), name: "l")
        #expect(lenient.verdict == .passed)
        #expect(lenient.message.hasPrefix("no write lost, duplicated or unexpected — ok 1, lost 1"))
        let strict = ledger.evaluate(WriteLedgerAssertion(maxLost: 1, maxDuplicated: 1, maxUnexpected: 2, allowRecovered: false), name: "l")
        #expect(strict.verdict == .failed)
        #expect(strict.message.hasPrefix("2 indeterminate write(s) present after all (recovered; allowRecovered is false) — "))
    }

    @Test func recoveredAndIndeterminateWritesAreNoFailure() {
        let clean = ["k0": 1, "k1": 1, "k2": 1, "k3": 1, "k6": 1]
        let result = WriteLedger(records: records, operations: [.create], rows: clean).evaluate(WriteLedgerAssertion(), name: "l")
        #expect(result.verdict == .passed, "\(result.message)")
        #expect(result.message == "no write lost, duplicated or unexpected — "
                + "ok 3, lost 0, duplicated 0, unexpected 0, recovered 2, failed-indeterminate 1, failed 3")
    }

    @Test func visibilityIsTimedFromTheAcknowledgementToTheFirstReadThatFoundTheRow() throws {
        // Acknowledged at 0.01 (k0), 0.11 (k1), 0.21 (k2); reads answer at 0.05, 0.15, 0.6 and 3.0.
        var seen = LedgerVisibility()
        seen.record(readAt: 0.05, rows: ["k0": 1])                     // k0 seen 0.04 s after its ack
        seen.record(readAt: 0.15, rows: ["k0": 1, "k1": 1, "k3": 1])   // k1 seen 0.04 s after; k3 recovered: not timed
        seen.record(readAt: 0.6, rows: ["k0": 1, "k3": 1])             // k1 gone
        seen.recordFailure()
        seen.record(readAt: 3.0, rows: ["k0": 1, "k2": 2, "k3": 1])    // k2 seen 2.79 s after
        #expect(seen.firstSeen == ["k0": 0.05, "k1": 0.15, "k3": 0.15, "k2": 3.0])
        #expect(seen.vanished == ["k1": 0.6])
        let ledger = WriteLedger(records: records, operations: [.create], rows: ["k0": 1, "k2": 2, "k3": 1], seen: seen)
        let visibility = try #require(ledger.visibility)
        #expect(visibility.measured == 2, "ok and acknowledged duplicated writes")
        #expect(abs((visibility.p50 ?? 0) - 0.04) < 1e-9)
        #expect(abs((visibility.max ?? 0) - 2.79) < 1e-9)
        #expect(visibility.beforeAcknowledgement == 0)
        #expect(visibility.buckets.map(\.count) == [1, 0, 0, 0, 1, 0, 0, 0])
        #expect(visibility.buckets.last?.upTo == nil)
        #expect(visibility.reads == 4 && visibility.failedReads == 1 && visibility.vanished == 1)
        #expect(abs((visibility.longestGap ?? 0) - 2.4) < 1e-9)
        #expect(ledger.vanished["k1"]?.found == 0.15 && ledger.vanished["k1"]?.missed == 0.6)
        let result = ledger.evaluate(WriteLedgerAssertion(maxDuplicated: 1), name: "l")
        #expect(result.details.prefix(3) == [
            "visible after (upper bounds): 2 acknowledged write(s), p50 0.04s, p90 2.79s, p99 2.79s, max 2.79s; "
                + "0 found before their acknowledgement arrived",
            "ledger read 4 time(s), every 0.45s (longest gap 2.40s: the figures' resolution); 1 read(s) failed",
            "lost (acknowledged, no row):",
        ])
        #expect(result.details[3] == "  k1 (found at +0.15s, gone at +0.60s)")
        #expect(result.measured["visibilityMax"].map { abs($0 - 2.79) < 1e-9 } == true)
    }

    @Test func aRowFoundBeforeItsAcknowledgementArrivedIsVisibleAtOnce() throws {
        var seen = LedgerVisibility()
        seen.record(readAt: 0.005, rows: ["k0": 1])   // committed, answer still on its way (ack at 0.01)
        seen.record(readAt: 1, rows: ["k0": 1])
        let visibility = try #require(WriteLedger(records: records, operations: [.create], rows: ["k0": 1], seen: seen).visibility)
        #expect(visibility.beforeAcknowledgement == 1)
        #expect(visibility.p50 == 0 && visibility.buckets.first?.count == 1)
    }

    @Test func oneReadTimesNothing() {
        var seen = LedgerVisibility()
        seen.record(readAt: 5, rows: ["k0": 1])
        #expect(WriteLedger(records: records, operations: [.create], rows: ["k0": 1], seen: seen).visibility == nil)
    }
}

@Suite struct VersionAccountingTests {
    /// A rollout from v1 to v2 between t=10 and t=20 at 10 req/s, overlapping from 14 to 16.
    func rollout(failures: Set<Int> = [], missingVersion: Set<Int> = []) -> [RequestRecord] {
        (0..<300).map { index in
            let t = Double(index) / 10
            let version = t < 14 ? "v1" : t < 16 ? (index % 2 == 0 ? "v1" : "v2") : "v2"
            if failures.contains(index) { return Records.failed(index, at: t) }
            var record = Records.ok(index, at: t, latency: 0.01, version: version)
            if missingVersion.contains(index) { record.version = nil }
            return record
        }
    }

    @Test func aCleanRolloutIsAccountedVersionByVersion() {
        let accounting = VersionAccounting(records: rollout(), window: 10...20)
        #expect(accounting.versions.map(\.version) == ["v1", "v2"])
        #expect(accounting.failed == 0 && accounting.unaccounted == 0)
        let overlap = accounting.overlap
        #expect(overlap != nil)
        #expect(abs((overlap?.lowerBound ?? 0) - 14.1) < 1e-9)
        #expect(abs((overlap?.upperBound ?? 0) - 15.8) < 1e-9)
        #expect(accounting.finalVersions == ["v2"])
        let result = accounting.evaluate(VersionAccountingAssertion(expectFinal: "v2", expectVersions: ["v1", "v2"]), name: "va")
        #expect(result.verdict == .passed)
        #expect(result.message == "v1 → v2, 0 unaccounted, 0 failed, overlap 1.7s, final v2")
        #expect(result.details == [
            "v1: first +0.00s, last +5.80s, 50 request(s)", "v2: first +4.10s, last +10.00s, 51 request(s)", "overlap: +4.10s … +5.80s",
        ])
    }

    @Test func failedAndUnaccountedRequestsFailTheRollout() {
        let accounting = VersionAccounting(records: rollout(failures: [150, 151], missingVersion: [160]), window: 10...20)
        let result = accounting.evaluate(VersionAccountingAssertion(expectFinal: "v2"), name: "va")
        #expect(result.verdict == .failed)
        #expect(result.message == "2 failed request(s) during the rollout (allowed 0); 1 successful request(s) carried no version header")
        #expect(accounting.evaluate(VersionAccountingAssertion(expectFinal: "v2", maxFailed: 2), name: "va").message
                == "1 successful request(s) carried no version header")
    }

    @Test func aWrongFinalVersionOrAnUnexpectedVersionFails() {
        let accounting = VersionAccounting(records: rollout(), window: 10...20)
        #expect(accounting.evaluate(VersionAccountingAssertion(expectFinal: "v3"), name: "va").message
                == "final version is v2, expected v3")
        #expect(accounting.evaluate(VersionAccountingAssertion(expectFinal: "v2", expectVersions: ["v2"]), name: "va").message
                == "unexpected version(s) served: v1")
        let stuck = VersionAccounting(records: rollout().map { var r = $0; if r.intended > 20 { r.version = "v1" }; return r }, window: 10...20)
        #expect(stuck.finalVersions == ["v1"])
    }

    @Test func versionsThatNeverOverlapHaveNoOverlapWindow() {
        let records = Records.steady(from: 0, count: 10, rate: 10, latency: 0.01, version: "v1")
            + Records.steady(from: 1, count: 10, rate: 10, latency: 0.01, version: "v2", firstSequence: 10)
        let accounting = VersionAccounting(records: records, window: 0...3)
        #expect(accounting.overlap == nil)
    }
}
