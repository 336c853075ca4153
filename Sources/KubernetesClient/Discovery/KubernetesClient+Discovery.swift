import Foundation
import HTTPClient
import LabrunCore

extension KubernetesClient {
    /// The server's version (`/version`).
    public func serverVersion() async throws -> ServerVersion {
        let subject = KubernetesError.Subject(verb: "read", kind: "the server version")
        return try decode(ServerVersion.self, try await perform(HTTPRequest(.get, paths.url("/version")), subject), subject)
    }

    /// Every API group with its versions; the core group is `""` (cached).
    public func apiGroups() async throws -> [APIGroupInfo] {
        if let cached = await discovery.groups { return cached }
        let subject = KubernetesError.Subject(verb: "discover", kind: "API groups")
        let core = try decode(APIVersionsBody.self, try await perform(HTTPRequest(.get, paths.url("/api")), subject), subject)
        let named = try decode(APIGroupListBody.self, try await perform(HTTPRequest(.get, paths.url("/apis")), subject), subject)
        var groups = [APIGroupInfo(name: "", versions: core.versions, preferredVersion: core.versions.first)]
        groups += named.groups.map {
            APIGroupInfo(name: $0.name, versions: $0.versions.map(\.version), preferredVersion: $0.preferredVersion?.version)
        }
        await discovery.setGroups(groups)
        return groups
    }

    /// Whether the server serves a group version: `serves("autoscaling/v2")`, `serves("v1")`.
    public func serves(_ groupVersion: String) async throws -> Bool {
        let (group, version) = KubernetesClient.split(groupVersion)
        return try await apiGroups().contains { $0.name == group && $0.versions.contains(version) }
    }

    /// The server's preferred version of a group (`"autoscaling"` → `"v1"` on 1.20), or nil if not served.
    public func preferredVersion(group: String) async throws -> String? {
        try await apiGroups().first { $0.name == group }.map { $0.preferredVersion ?? $0.versions.first ?? "" }
    }

    /// The first of `candidates` (group versions, best first) that the server serves:
    /// `firstServed(["autoscaling/v2", "autoscaling/v2beta2", "autoscaling/v1"])`.
    public func firstServed(_ candidates: [String]) async throws -> String? {
        for candidate in candidates where try await serves(candidate) { return candidate }
        return nil
    }

    /// The resources of one group version (cached); subresources (`pods/log`) are left out.
    public func resources(groupVersion: String) async throws -> [APIResourceInfo] {
        if let cached = await discovery.resources[groupVersion] { return cached }
        let (group, version) = KubernetesClient.split(groupVersion)
        let path = group.isEmpty ? "/api/\(version)" : "/apis/\(group)/\(version)"
        let subject = KubernetesError.Subject(verb: "discover", kind: "resources of \(groupVersion)")
        let body = try decode(APIResourceListBody.self, try await perform(HTTPRequest(.get, paths.url(path)), subject), subject)
        let resources = body.resources.filter { !$0.name.contains("/") }
        await discovery.setResources(resources, for: groupVersion)
        return resources
    }

    /// The REST resource for `apiVersion` + `kind` (built-ins without a request; others by discovery).
    public func resourceType(apiVersion: String, kind: String) async throws -> ResourceType {
        let (group, version) = KubernetesClient.split(apiVersion)
        if let known = ResourceType.wellKnown.first(where: { $0.group == group && $0.version == version && $0.kind == kind }) {
            return known
        }
        let resources: [APIResourceInfo]
        do { resources = try await self.resources(groupVersion: apiVersion) } catch let error as LabrunError where error.isNotFound {
            throw LabrunError(id: ErrorID.k8sUnknownKind, exitCode: ExitCode.invalidInput,
                              message: "The API server does not serve \(apiVersion) (needed for kind \(kind)).",
                              advice: "Choose the apiVersion from the server's discovery (`kubectl api-versions`).")
        }
        guard let match = resources.first(where: { $0.kind == kind }) else {
            throw LabrunError(id: ErrorID.k8sUnknownKind, exitCode: ExitCode.invalidInput,
                              message: "The API server serves \(apiVersion) but has no kind \(kind) in it.",
                              advice: "Check the kind's spelling and `kubectl api-resources --api-group=\(group)`.")
        }
        return ResourceType(group: group, version: version, plural: match.name, kind: kind, namespaced: match.namespaced)
    }

    /// Forgets cached discovery answers (after installing CRDs).
    public func invalidateDiscovery() async { await discovery.invalidate() }

    /// `"apps/v1"` → (`"apps"`, `"v1"`); `"v1"` → (`""`, `"v1"`).
    static func split(_ groupVersion: String) -> (String, String) {
        guard let slash = groupVersion.lastIndex(of: "/") else { return ("", groupVersion) }
        return (String(groupVersion[..<slash]), String(groupVersion[groupVersion.index(after: slash)...]))
    }
}
