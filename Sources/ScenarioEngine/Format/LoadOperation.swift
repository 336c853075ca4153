/// One kind of request the load generator sends.
public enum LoadOperation: String, Sendable, Hashable, Codable, CodingKeyRepresentable, CaseIterable, Comparable {
    /// `GET /api/tasks?limit=50`
    case list
    /// `POST /api/tasks` with a fresh `Idempotency-Key` (a write the ledger tracks).
    case create
    /// `GET /api/tasks/{id}` of a task this run created.
    case get
    /// `POST /api/tasks/{id}/complete` of a task this run created (an idempotent write).
    case complete

    /// Whether the operation writes.
    public var isWrite: Bool { self == .create || self == .complete }

    public static func < (lhs: LoadOperation, rhs: LoadOperation) -> Bool {
        allCases.firstIndex(of: lhs) ?? 0 < allCases.firstIndex(of: rhs) ?? 0
    }
}
