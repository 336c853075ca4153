/// What happened to one step: its operations, its verdict and its timing.
public struct StepResult: Sendable, Hashable, Codable {
    public var name: String
    public var verdict: Verdict
    /// Seconds since the run started.
    public var start: Double
    public var end: Double
    /// Why it failed (the operation's error), when it did.
    public var message: String?
    public var operations: [OperationResult]

    public init(name: String, verdict: Verdict, start: Double, end: Double, message: String? = nil,
                operations: [OperationResult] = []) {
        self.name = name
        self.verdict = verdict
        self.start = start
        self.end = end
        self.message = message
        self.operations = operations
    }
}

/// One operation of a step's `try`, `catch` or `finally`, or of `cleanup`.
public struct OperationResult: Sendable, Hashable, Codable {
    /// `try`, `catch`, `finally` or `cleanup`.
    public var block: String
    /// The action key (`deletePod`, `wait`, …).
    public var action: String
    public var verdict: Verdict
    public var start: Double
    public var end: Double
    /// When the fault was verified to have landed, for fault actions.
    public var faultLandedAt: Double?
    public var message: String?

    public init(block: String, action: String, verdict: Verdict, start: Double, end: Double,
                faultLandedAt: Double? = nil, message: String? = nil) {
        self.block = block
        self.action = action
        self.verdict = verdict
        self.start = start
        self.end = end
        self.faultLandedAt = faultLandedAt
        self.message = message
    }
}
