import LabrunCore

/// The stack's shape for this run: deployed, or adjusted, before anything else happens.
public struct ScenarioSetup: Sendable, Hashable, Codable {
    /// The namespace to reuse; `nil` means a fresh namespace for this run (`labrun-<scenario>-<id>`),
    /// deleted at cleanup.
    public var reuseNamespace: String?
    public var backend: WorkloadShape
    public var frontend: WorkloadShape?
    /// Extra Helm values (or manifest overrides), passed through unchanged.
    public var values: [String: JSONValue]

    public init(reuseNamespace: String? = nil, backend: WorkloadShape = WorkloadShape(replicas: 2, version: nil),
                frontend: WorkloadShape? = nil, values: [String: JSONValue] = [:]) {
        self.reuseNamespace = reuseNamespace
        self.backend = backend
        self.frontend = frontend
        self.values = values
    }
}

/// Replicas and image version of one workload.
public struct WorkloadShape: Sendable, Hashable, Codable {
    public var replicas: Int
    /// The image tag / `APP_VERSION`, e.g. `v1`; `nil` means the default tag.
    public var version: String?

    public init(replicas: Int, version: String?) {
        self.replicas = replicas
        self.version = version
    }
}
