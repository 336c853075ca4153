import Foundation
import LabrunCore
import Testing
@testable import ScenarioEngine
@testable import ScenarioModel

/// The reads of the ledger during the load: their spacing, their cost bound, failed reads.
@Suite struct LedgerWatcherTests {
    /// Answers in turn: rows (after `took` seconds of the clock) or a failure; cancels the watcher after the last.
    final class Script: @unchecked Sendable {
        let clock: ManualClock
        private let lock = NSLock()
        private var answers: [(took: Double, rows: [String: Int]?)]
        private(set) var starts: [Double] = []

        init(clock: ManualClock, _ answers: [(took: Double, rows: [String: Int]?)]) {
            self.clock = clock
            self.answers = answers
        }

        func read() throws -> [String: Int] {
            let (answer, last) = lock.withLock { () -> ((took: Double, rows: [String: Int]?), Bool) in
                starts.append(clock.now())
                return (answers.removeFirst(), answers.isEmpty)
            }
            clock.advance(by: answer.took)
            if last { withUnsafeCurrentTask { $0?.cancel() } }
            guard let rows = answer.rows else { throw LabrunError(id: "FAKE", message: "the database is restarting") }
            return rows
        }
    }

    @Test func readsComeEveryIntervalButNeverTakeMoreThanAFifthOfTheTime() async {
        let clock = ManualClock()
        let script = Script(clock: clock, [
            (0.1, [:]),            // quick: the next read 1 s after this one started
            (0.5, ["k0": 1]),      // slow: the next one 5 × 0.5 = 2.5 s after
            (0.1, nil),            // failed: counted, the next one after the interval
            (0.1, ["k0": 1, "k1": 1]),
        ])
        let watcher = LedgerWatcher(interval: 1, clock: clock, read: { try script.read() })
        let seen = await Task { await watcher.run() }.value
        #expect(script.starts.map { ($0 * 1000).rounded() / 1000 } == [0, 1, 3.5, 4.5])
        #expect(seen.reads.map { ($0 * 1000).rounded() / 1000 } == [0.1, 1.5, 4.6])
        #expect(seen.failedReads == 1)
        #expect(seen.firstSeen.mapValues { ($0 * 1000).rounded() / 1000 } == ["k0": 1.5, "k1": 4.6])
    }
}
