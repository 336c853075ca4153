/// Which API versions the server serves for which kinds, from discovery; used to choose each
/// object's `apiVersion` instead of guessing (Kubernetes 1.20 lacks autoscaling/v2 and policy/v1).
public struct ServedAPIs: Sendable, Equatable {
    /// `apps/v1` → kinds served there.
    public var kindsByGroupVersion: [String: Set<String>]

    public init(_ kindsByGroupVersion: [String: Set<String>]) {
        self.kindsByGroupVersion = kindsByGroupVersion
    }

    public func serves(apiVersion: String, kind: String) -> Bool {
        kindsByGroupVersion[apiVersion]?.contains(kind) == true
    }

    /// Versions with the same schema for a kind, newest first. A manifest written for the newest
    /// may fall back to the others (field-compatible for what the stack uses).
    public static let compatibleVersions: [String: [String]] = [
        "HorizontalPodAutoscaler": ["autoscaling/v2", "autoscaling/v2beta2"],
        "PodDisruptionBudget": ["policy/v1", "policy/v1beta1"],
        "CronJob": ["batch/v1", "batch/v1beta1"],
    ]

    /// The version to use for an object written as `apiVersion`/`kind`: the written one when
    /// served, else the first served compatible version, else nil.
    public func choose(apiVersion: String, kind: String) -> String? {
        if serves(apiVersion: apiVersion, kind: kind) { return apiVersion }
        let family = Self.compatibleVersions[kind] ?? []
        guard family.contains(apiVersion) else { return nil }
        return family.first { serves(apiVersion: $0, kind: kind) }
    }

    /// Every served version of `kind`, for error messages.
    public func versions(of kind: String) -> [String] {
        kindsByGroupVersion.filter { $0.value.contains(kind) }.keys.sorted()
    }
}
