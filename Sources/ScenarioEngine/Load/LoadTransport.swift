import ScenarioModel

/// The seam between the load generator and the network: sends one request, reports how it ended.
///
/// The real transport (`HTTPLoadTransport`) turns each operation into the HTTP request the stack
/// file's template describes. It must enforce `request.timeout` itself and answer `.timeout` when it
/// passes; it never throws.
public protocol LoadTransport: Sendable {
    func send(_ request: LoadRequest) async -> LoadResponse
}

/// One request the load generator wants sent.
public struct LoadRequest: Sendable, Hashable {
    public var sequence: Int
    public var operation: LoadOperation
    /// For an operation that uses `${idempotencyKey}`: unique per run, so the write ledger can find the row.
    public var idempotencyKey: String?
    /// Captured values the operation's template needs (`id` → `42`).
    public var variables: [String: String]
    /// Seconds after which the transport gives up and answers `.timeout`.
    public var timeout: Double

    public init(sequence: Int, operation: LoadOperation, idempotencyKey: String? = nil, variables: [String: String] = [:],
                timeout: Double) {
        self.sequence = sequence
        self.operation = operation
        self.idempotencyKey = idempotencyKey
        self.variables = variables
        self.timeout = timeout
    }
}

/// How a request ended, with the headers the accounting needs.
public struct LoadResponse: Sendable, Hashable {
    public var outcome: RequestOutcome
    /// The serving pod (the stack's `headers.servedBy`).
    public var servedBy: String?
    /// The serving version (the stack's `headers.version`).
    public var version: String?
    /// For a successful answer: the values the operation captures (`id` → `42`).
    public var captured: [String: String]

    public init(outcome: RequestOutcome, servedBy: String? = nil, version: String? = nil, captured: [String: String] = [:]) {
        self.outcome = outcome
        self.servedBy = servedBy
        self.version = version
        self.captured = captured
    }
}
