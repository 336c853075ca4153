/// One scenario file, parsed and validated: the whole run from setup to cleanup.
///
/// Phases run in this order: `setup` → `steadyState` checked before → background `load` →
/// `steps` → recovery (steady state polled until it holds again) → `steadyState` checked after →
/// `assertions` → `cleanup` (always, in reverse order, also on failure, timeout and Ctrl-C).
public struct Scenario: Sendable, Hashable, Codable {
    /// The only `apiVersion` this engine reads.
    public static let apiVersion = "labrun.dev/v1alpha1"
    /// The only `kind` this engine reads.
    public static let kind = "Scenario"

    public var metadata: ScenarioMetadata
    public var setup: ScenarioSetup
    public var steadyState: SteadyState?
    public var load: LoadSpec?
    public var steps: [Step]
    public var assertions: [Assertion]
    public var cleanup: [StepOperation]

    public init(metadata: ScenarioMetadata, setup: ScenarioSetup = ScenarioSetup(), steadyState: SteadyState? = nil,
                load: LoadSpec? = nil, steps: [Step] = [], assertions: [Assertion] = [], cleanup: [StepOperation] = []) {
        self.metadata = metadata
        self.setup = setup
        self.steadyState = steadyState
        self.load = load
        self.steps = steps
        self.assertions = assertions
        self.cleanup = cleanup
    }

    /// The scenario's name (also its CLI command).
    public var name: String { metadata.name }

    /// The step with this name, if any.
    public func step(named name: String) -> Step? { steps.first { $0.name == name } }

    /// Whether the scenario must run alone: marked `metadata.exclusive`, or it stops the cluster.
    public var isExclusive: Bool {
        let operations = steps.flatMap { $0.tryOperations + $0.catchOperations + $0.finallyOperations } + cleanup
        return metadata.exclusive || operations.contains { if case .restartCluster = $0.action { return true } else { return false } }
    }
}
