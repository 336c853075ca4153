/// The API server's `/version`.
public struct ServerVersion: Codable, Sendable, Equatable {
    public var major: String
    public var minor: String
    /// `v1.20.2`.
    public var gitVersion: String
    public var platform: String?

    /// Minor version as a number (`"20+"` → 20).
    public var minorNumber: Int { Int(minor.filter(\.isNumber)) ?? 0 }
    public var majorNumber: Int { Int(major.filter(\.isNumber)) ?? 0 }
}

/// One API group and the versions the server serves.
public struct APIGroupInfo: Sendable, Equatable {
    /// `""` for the core group.
    public var name: String
    /// `["v2", "v1"]` — the server's order.
    public var versions: [String]
    public var preferredVersion: String?
}

/// One resource from discovery (`/apis/apps/v1`).
public struct APIResourceInfo: Codable, Sendable, Equatable {
    public var name: String
    public var kind: String
    public var namespaced: Bool
    public var verbs: [String]?
    public var shortNames: [String]?
}

struct APIGroupListBody: Decodable {
    struct Group: Decodable {
        struct Version: Decodable { var groupVersion: String; var version: String }
        var name: String
        var versions: [Version]
        var preferredVersion: Version?
    }
    var groups: [Group]
}

struct APIVersionsBody: Decodable { var versions: [String] }

struct APIResourceListBody: Decodable {
    var groupVersion: String?
    var resources: [APIResourceInfo]
}
