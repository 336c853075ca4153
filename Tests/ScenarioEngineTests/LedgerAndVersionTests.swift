import Testing
@testable import ScenarioEngine
@testable import ScenarioModel

@Suite struct WriteLedgerTests {
    let records: [RequestRecord] = [
        Records.ok(0, at: 0, latency: 0.01, op: .create, key: "k0"),
        Records.ok(1, at: 0.1, latency: 0.01, op: .create, key: "k1"),
        Records.ok(2, at: 0.2, latency: 0.01, op: .create, key: "k2"),
        Records.failed(3, at: 0.3, outcome: .timeout, op: .create, key: "k3"),
        Records.failed(4, at: 0.4, outcome: .connection("reset"), op: .create, key: "k4"),
        Records.ok(5, at: 0.5, latency: 0.01, op: .list),
    ]

    @Test func everyAcknowledgedWriteOnceIsAPass() {
        let ledger = WriteLedger(records: records, operation: .create, rows: ["k0": 1, "k1": 1, "k2": 1, "k3": 1])
        #expect(ledger.acknowledged == ["k0", "k1", "k2"])
        #expect(ledger.lost.isEmpty && ledger.duplicated.isEmpty)
        #expect(ledger.unacknowledgedPresent == ["k3"])
        #expect(ledger.unacknowledgedAbsent == 1)
        let result = ledger.evaluate(WriteLedgerAssertion(), name: "ledger")
        #expect(result.verdict == .passed)
        #expect(result.message == "all 3 acknowledged write(s) are in the database exactly once")
    }

    @Test func lostAndDuplicatedWritesFailWithTheirKeys() {
        let ledger = WriteLedger(records: records, operation: .create, rows: ["k0": 1, "k2": 2, "other": 4])
        #expect(ledger.lost == ["k1"])
        #expect(ledger.duplicated == ["k2": 2])
        #expect(ledger.foreignRows == 4)
        let result = ledger.evaluate(WriteLedgerAssertion(), name: "ledger")
        #expect(result.verdict == .failed)
        #expect(result.message == "1 acknowledged write(s) lost (allowed 0); 1 write(s) duplicated (allowed 0)")
        #expect(result.details == [
            "acknowledged 3, lost 1, duplicated 1, unacknowledged present 0, unacknowledged absent 2, rows from other clients 4",
            "lost (acknowledged, no row):", "  k1",
            "duplicated (rows per key):", "  k2 × 2",
        ])
        #expect(result.measured["lost"] == 1)
    }

    @Test func unacknowledgedRowsFailOnlyWhenNotAllowed() {
        let ledger = WriteLedger(records: records, operation: .create, rows: ["k0": 1, "k1": 1, "k2": 1, "k4": 1])
        #expect(ledger.evaluate(WriteLedgerAssertion(), name: "l").verdict == .passed)
        let strict = ledger.evaluate(WriteLedgerAssertion(allowUnacknowledged: false), name: "l")
        #expect(strict.verdict == .failed)
        #expect(strict.message == "1 unacknowledged write(s) present")
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
