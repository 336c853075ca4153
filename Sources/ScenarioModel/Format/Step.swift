/// One step of the run: operations tried in order, with `catch` on failure and `finally` always.
///
/// In a file a step is written either with `action:` (one operation) or with `try:` (a list);
/// both become `tryOperations`. The step's `timeout` bounds the `try` list; each operation may
/// have its own, shorter, timeout.
public struct Step: Sendable, Hashable, Codable {
    /// Unique within the scenario; assertions refer to steps by name (`recoveryTime.after`).
    public var name: String
    public var timeout: ScenarioDuration
    public var tryOperations: [StepOperation]
    /// Run when an operation of `try` fails or times out (e.g. collect diagnostics); the step still fails.
    public var catchOperations: [StepOperation]
    /// Always run after `try` (and `catch`), e.g. to undo a network fault.
    public var finallyOperations: [StepOperation]
    /// Whether a failure of this step ends the run (`true`, the default) or is only recorded.
    public var continueOnError: Bool

    public static let defaultTimeout = ScenarioDuration(milliseconds: 120_000)

    public init(name: String, timeout: ScenarioDuration = Step.defaultTimeout, tryOperations: [StepOperation],
                catchOperations: [StepOperation] = [], finallyOperations: [StepOperation] = [], continueOnError: Bool = false) {
        self.name = name
        self.timeout = timeout
        self.tryOperations = tryOperations
        self.catchOperations = catchOperations
        self.finallyOperations = finallyOperations
        self.continueOnError = continueOnError
    }
}

/// One action with an optional timeout of its own (otherwise the step's remaining time).
public struct StepOperation: Sendable, Hashable, Codable {
    public var action: Action
    public var timeout: ScenarioDuration?

    public init(_ action: Action, timeout: ScenarioDuration? = nil) {
        self.action = action
        self.timeout = timeout
    }
}
