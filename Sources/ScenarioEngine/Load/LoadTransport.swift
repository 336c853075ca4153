/// The seam between the load generator and the network: sends one request, reports how it ended.
///
/// The real transport (HTTP on libcurl, wired in the runner) maps each operation to the todo API:
/// `list` → `GET /api/tasks?limit=50`, `create` → `POST /api/tasks` with `Idempotency-Key`,
/// `get` → `GET /api/tasks/{id}`, `complete` → `POST /api/tasks/{id}/complete`. It must enforce
/// `request.timeout` itself and answer `.timeout` when it passes; it never throws.
public protocol LoadTransport: Sendable {
    func send(_ request: LoadRequest) async -> LoadResponse
}

/// One request the load generator wants sent.
public struct LoadRequest: Sendable, Hashable {
    public var sequence: Int
    public var operation: LoadOperation
    /// For `create`: unique per run, so the write ledger can find the row.
    public var idempotencyKey: String?
    /// For `get` and `complete`: a task this run created.
    public var taskID: String?
    /// Seconds after which the transport gives up and answers `.timeout`.
    public var timeout: Double

    public init(sequence: Int, operation: LoadOperation, idempotencyKey: String? = nil, taskID: String? = nil, timeout: Double) {
        self.sequence = sequence
        self.operation = operation
        self.idempotencyKey = idempotencyKey
        self.taskID = taskID
        self.timeout = timeout
    }
}

/// How a request ended, with the headers the accounting needs.
public struct LoadResponse: Sendable, Hashable {
    public var outcome: RequestOutcome
    /// `X-Served-By`.
    public var servedBy: String?
    /// `X-App-Version`.
    public var version: String?
    /// For a successful `create`: the new task's id, for later `get` / `complete`.
    public var createdTaskID: String?

    public init(outcome: RequestOutcome, servedBy: String? = nil, version: String? = nil, createdTaskID: String? = nil) {
        self.outcome = outcome
        self.servedBy = servedBy
        self.version = version
        self.createdTaskID = createdTaskID
    }
}
