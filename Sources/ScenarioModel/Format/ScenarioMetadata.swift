/// Who the scenario is and how long it may take.
public struct ScenarioMetadata: Sendable, Hashable, Codable {
    /// Lower-case letters, digits and dashes; equal to the file name without `.yaml`.
    public var name: String
    public var description: String
    /// Free-form labels for selecting scenarios (`labrun all --label area=chaos`).
    public var labels: [String: String]
    /// The whole run's limit, cleanup excluded. Default `15m`.
    public var timeout: ScenarioDuration
    /// Runs alone, never beside another scenario (`labrun all --parallel`): it disturbs the whole
    /// cluster. A scenario that stops the cluster or a node (`restartCluster`, `nodeFault`) is exclusive whether marked or not.
    public var exclusive: Bool
    /// How many of `--parallel`'s slots the scenario takes while it runs (default 1): a scenario whose
    /// load costs much CPU (chat turns run an agent) takes 2, so two such never run side by side and
    /// their latency stays the stack's, not the machine's.
    public var slots: Int
    /// How much worse, in percent, a key figure (a recovery time, an error window, a phase's p99 or
    /// error rate) may get against the previous run or a baseline before `labrun compare` flags it as
    /// a regression. Default 25.
    public var regressionPercent: Double

    public static let defaultTimeout = ScenarioDuration(milliseconds: 15 * 60_000)
    public static let defaultRegressionPercent = 25.0
    /// The largest `regressionPercent` accepted: ten times as bad.
    public static let maxRegressionPercent = 1000.0
    /// The most slots a scenario may ask for (`--parallel` is at most this on this project's machines).
    public static let maxSlots = 4

    public init(name: String, description: String = "", labels: [String: String] = [:],
                timeout: ScenarioDuration = ScenarioMetadata.defaultTimeout, exclusive: Bool = false, slots: Int = 1,
                regressionPercent: Double = ScenarioMetadata.defaultRegressionPercent) {
        self.name = name
        self.description = description
        self.labels = labels
        self.timeout = timeout
        self.exclusive = exclusive
        self.slots = slots
        self.regressionPercent = regressionPercent
    }
}
