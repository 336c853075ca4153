/// One request of the background load with everything reports and assertions need.
///
/// Times are seconds on the run's clock. `intended` is the request's place in the arrival schedule;
/// `start` is when it was actually sent (later than `intended` when the generator fell behind);
/// `end` is when the answer (or the failure) came.
public struct RequestRecord: Sendable, Hashable, Codable {
    /// Position in the schedule (0, 1, 2, …).
    public var sequence: Int
    public var operation: LoadOperation
    public var intended: Double
    public var start: Double
    public var end: Double
    public var outcome: RequestOutcome
    /// The pod that answered (`X-Served-By`), when there was an answer.
    public var servedBy: String?
    /// The app version that answered (`X-App-Version`).
    public var version: String?
    /// The `Idempotency-Key` sent with a write.
    public var idempotencyKey: String?
    /// The session the request belonged to (the stack's `traffic.session`: the value it carried or captured).
    public var session: String?

    public init(sequence: Int, operation: LoadOperation, intended: Double, start: Double, end: Double,
                outcome: RequestOutcome, servedBy: String? = nil, version: String? = nil, idempotencyKey: String? = nil,
                session: String? = nil) {
        self.sequence = sequence
        self.operation = operation
        self.intended = intended
        self.start = start
        self.end = end
        self.outcome = outcome
        self.servedBy = servedBy
        self.version = version
        self.idempotencyKey = idempotencyKey
        self.session = session
    }

    /// Latency corrected for coordinated omission: from the intended send time to the answer.
    public var latency: Double { Swift.max(0, end - intended) }

    /// Time the server (and network) took: from the actual send to the answer.
    public var serviceTime: Double { Swift.max(0, end - start) }

    /// Whether the request got a 2xx answer.
    public var succeeded: Bool { outcome.isSuccess }
}

/// How a request ended.
public enum RequestOutcome: Sendable, Hashable, Codable {
    /// An HTTP answer with this status.
    case status(Int)
    /// No answer within the request timeout.
    case timeout
    /// The connection failed (refused, reset, DNS); the text says how.
    case connection(String)
    /// Not sent: the generator's in-flight cap was reached (the server could not keep up).
    case overload
    /// A 2xx answer to a request acting as one user that carried another user's data (`traffic.isolation`):
    /// the first foreign owner it held. A failure, whatever the status.
    case foreign(status: Int, owner: String)

    public var isSuccess: Bool {
        if case .status(let code) = self { return (200..<300).contains(code) }
        return false
    }

    /// A short label for error tables: `status 503`, `timeout`, `connection`, `overload`.
    public var label: String {
        switch self {
        case .status(let code): return "status \(code)"
        case .timeout: return "timeout"
        case .connection: return "connection"
        case .overload: return "overload"
        case .foreign: return "another user's data"
        }
    }
}

/// The records of a run as the statistics and assertions read them: the load's spill file during a run
/// (`RequestLog` in the scenario engine), an array in tests. In any order; each reader makes its own pass,
/// so nothing holds every record in memory.
public typealias RequestRecords = any Sequence<RequestRecord> & Sendable

/// Two record sequences, one after the other (the capacity probe's, then the load's, for the write ledger).
public struct ChainedRecords: Sequence, Sendable {
    public let first: RequestRecords
    public let second: RequestRecords

    public init(_ first: RequestRecords, _ second: RequestRecords) {
        self.first = first
        self.second = second
    }

    public func makeIterator() -> AnyIterator<RequestRecord> {
        var current: any IteratorProtocol<RequestRecord> = first.makeIterator()
        var rest: RequestRecords? = second
        return AnyIterator {
            while true {
                if let record = current.next() { return record }
                guard let next = rest else { return nil }
                rest = nil
                current = next.makeIterator()
            }
        }
    }
}
