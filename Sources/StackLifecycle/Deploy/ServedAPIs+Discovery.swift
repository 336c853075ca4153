import KubernetesClient
import LabrunCore

extension ServedAPIs {
    /// Asks the server (discovery) which versions it serves for the groups `objects` use,
    /// including the compatible versions labrun may fall back to.
    public static func discover(for objects: [JSONValue], client: KubernetesClient) async throws -> ServedAPIs {
        var wanted = Set<String>()
        for object in objects {
            guard let apiVersion = object["apiVersion"]?.stringValue, let kind = object["kind"]?.stringValue else { continue }
            wanted.insert(group(of: apiVersion))
            for alternative in compatibleVersions[kind] ?? [] { wanted.insert(group(of: alternative)) }
        }
        var kinds: [String: Set<String>] = [:]
        for info in try await client.apiGroups() where wanted.contains(info.name) {
            for version in info.versions {
                let groupVersion = info.name.isEmpty ? version : "\(info.name)/\(version)"
                kinds[groupVersion] = Set(try await client.resources(groupVersion: groupVersion).map(\.kind))
            }
        }
        return ServedAPIs(kinds)
    }

    static func group(of apiVersion: String) -> String {
        let parts = apiVersion.split(separator: "/")
        return parts.count == 2 ? String(parts[0]) : ""
    }
}
