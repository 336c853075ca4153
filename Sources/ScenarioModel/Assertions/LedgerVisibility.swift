/// What the reads of the ledger during a run saw: when each key was first found, and which vanished.
///
/// The runner reads the stack's ledger query every `readEvery` while the load runs, and once more at the
/// end; each read is fed here with the time its answer arrived (run clock). The read's snapshot was taken
/// before that, so a key it finds was committed by then; the previous read, which missed the key, took
/// its snapshot after it started, so the key was committed after that. `firstSeen` is therefore an upper
/// bound on when a write became visible, high by at most the gap between two reads plus one read's time.
///
/// Why reads and not a timestamp in the row: a `now()` default is the inserting transaction's start,
/// before its commit and before the acknowledgement, and it is on the database's clock, not the run's.
public struct LedgerVisibility: Sendable, Hashable {
    /// Key → end of the first read that found it.
    public private(set) var firstSeen: [String: Double] = [:]
    /// Key → end of the first read that no longer found a key an earlier read had found.
    public private(set) var vanished: [String: Double] = [:]
    /// End times of the successful reads, in order.
    public private(set) var reads: [Double] = []
    /// Reads that failed (the database unreachable, a restart).
    public private(set) var failedReads = 0
    private var present: Set<String> = []

    public init() {}

    /// Records a successful read whose answer arrived at `time` and found `rows` (key → rows; keys with 0 rows are absent).
    public mutating func record(readAt time: Double, rows: [String: Int]) {
        let found = Set(rows.filter { $0.value > 0 }.keys)
        for key in found where firstSeen[key] == nil { firstSeen[key] = time }
        for key in present.subtracting(found) where vanished[key] == nil { vanished[key] = time }
        present = found
        reads.append(time)
    }

    /// Records a read that failed.
    public mutating func recordFailure() { failedReads += 1 }

    /// The gaps between successive successful reads, sorted: the resolution of every visibility figure.
    public var gaps: [Double] { zip(reads, reads.dropFirst()).map { $1 - $0 }.sorted() }
}
