import LabrunCore

/// The stack's shape for this run: deployed, or adjusted, before anything else happens.
public struct ScenarioSetup: Sendable, Hashable, Codable {
    /// The namespace to reuse; `nil` means a fresh namespace for this run (`labrun-<scenario>-<id>`),
    /// deleted at cleanup.
    public var reuseNamespace: String?
    /// Workload name (from the stack file) → its shape; workloads not named keep the manifests' own.
    public var workloads: [String: WorkloadShape]
    /// Helm values merged over the stack file's (only for a stack deployed from a Helm chart).
    public var values: [String: JSONValue]
    /// Kinds the stack file leaves out of scenarios (`deploy.scenarioSkipsKinds`) that this one deploys
    /// after all (an autoscaling scenario keeps the HorizontalPodAutoscaler).
    public var keepKinds: [String]
    /// Changes to the rendered objects, as a broken variant's (`StackVariant.Change`), applied after
    /// `workloads`: what a scenario needs set on an object that is not a workload.
    public var changes: [StackVariant.Change]

    public init(reuseNamespace: String? = nil, workloads: [String: WorkloadShape] = [:], values: [String: JSONValue] = [:],
                keepKinds: [String] = [], changes: [StackVariant.Change] = []) {
        self.reuseNamespace = reuseNamespace
        self.workloads = workloads
        self.values = values
        self.keepKinds = keepKinds
        self.changes = changes
    }
}

/// What a scenario sets on one workload of the rendered manifests.
public struct WorkloadShape: Sendable, Hashable, Codable {
    /// Replicas; nil keeps the manifests' own.
    public var replicas: Int?
    /// The version, set the way the stack file says (`workloads.<name>.version.env`); nil keeps the default.
    public var version: String?
    /// Environment variables set on the main container.
    public var env: [String: String]
    /// Merged into the main container's `resources` (requests, limits).
    public var resources: JSONValue?

    public init(replicas: Int? = nil, version: String? = nil, env: [String: String] = [:], resources: JSONValue? = nil) {
        self.replicas = replicas
        self.version = version
        self.env = env
        self.resources = resources
    }
}
