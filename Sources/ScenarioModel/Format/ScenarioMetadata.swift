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
    /// cluster. A scenario that stops the cluster (`restartCluster`) is exclusive whether marked or not.
    public var exclusive: Bool

    public static let defaultTimeout = ScenarioDuration(milliseconds: 15 * 60_000)

    public init(name: String, description: String = "", labels: [String: String] = [:],
                timeout: ScenarioDuration = ScenarioMetadata.defaultTimeout, exclusive: Bool = false) {
        self.name = name
        self.description = description
        self.labels = labels
        self.timeout = timeout
        self.exclusive = exclusive
    }
}
