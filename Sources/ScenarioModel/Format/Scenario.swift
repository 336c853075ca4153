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

    /// Every operation of the steps (`try`, `catch`, `finally`) and of `cleanup`.
    var allOperations: [StepOperation] { steps.flatMap { $0.tryOperations + $0.catchOperations + $0.finallyOperations } + cleanup }

    /// Whether the scenario must run alone: marked `metadata.exclusive`, or it stops the cluster or a
    /// node (other scenarios' pods run there too).
    public var isExclusive: Bool {
        metadata.exclusive || allOperations.contains {
            switch $0.action {
            case .restartCluster, .nodeFault: return true
            default: return false
            }
        }
    }

    /// The Ready nodes the cluster needs for this scenario: 2 with a `nodeFault` (one to lose and one
    /// to carry the rest), else 1. A run on a smaller cluster is skipped, saying why.
    public var minimumNodes: Int {
        allOperations.contains { if case .nodeFault = $0.action { return true } else { return false } } ? 2 : 1
    }
}
