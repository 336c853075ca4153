import LabrunCore
import ScenarioModel

/// Reads the write ledger over and over while the load runs, so the ledger can tell when each write
/// became visible (`LedgerVisibility`).
///
/// One read every `interval` at most, and never more than a fifth of the time: after a read that took
/// `t` seconds the next starts no sooner than `5 t` after it, so a ledger that has grown large (or a
/// database that has slowed down) is not loaded by the watching. A failed read (the database restarting)
/// is counted and the next one comes after `interval` as usual.
struct LedgerWatcher: Sendable {
    /// The shortest time between the starts of two reads (the assertion's `readEvery`).
    var interval: Double
    var clock: any LabClock
    /// One read of the ledger: key → rows.
    var read: @Sendable () async throws -> [String: Int]

    /// The largest share of the time spent reading.
    static let busyShare = 0.2

    /// Reads until the task is cancelled; returns what the reads saw.
    func run() async -> LedgerVisibility {
        var seen = LedgerVisibility()
        while !Task.isCancelled {
            let started = clock.now()
            do {
                let rows = try await read()
                seen.record(readAt: clock.now(), rows: rows)
            } catch {
                if Task.isCancelled { break }
                seen.recordFailure()
            }
            let took = clock.now() - started
            let wait = max(interval, took / Self.busyShare) - took
            do { try await clock.sleep(seconds: wait) } catch { break }
        }
        return seen
    }
}
