import LabrunCore

/// A typed Kubernetes object: knows where it lives in the API and has metadata.
///
/// Models decode only the fields labrun needs; unknown fields are ignored. For anything else use
/// `JSONValue` with a `ResourceType`.
public protocol KubernetesResource: Codable, Sendable {
    /// Where objects of this type live in the API.
    static var resourceType: ResourceType { get }
    var apiVersion: String? { get set }
    var kind: String? { get set }
    var metadata: ObjectMeta { get set }
}

extension KubernetesResource {
    /// `metadata.name`, or `""` when unset.
    public var name: String { metadata.name ?? "" }
    /// `metadata.namespace`, or `nil`.
    public var namespace: String? { metadata.namespace }
}

/// A list answer: the items and the version to watch from.
public struct ObjectList<Item: Decodable & Sendable>: Decodable, Sendable {
    public var items: [Item]
    public var metadata: ListMeta

    public init(items: [Item], metadata: ListMeta = ListMeta()) {
        self.items = items
        self.metadata = metadata
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        items = try container.decodeIfPresent([Item].self, forKey: .items) ?? []
        metadata = try container.decodeIfPresent(ListMeta.self, forKey: .metadata) ?? ListMeta()
    }

    enum CodingKeys: String, CodingKey { case items, metadata }

    /// The list's `metadata.resourceVersion` (start a watch here).
    public var resourceVersion: String? { metadata.resourceVersion }
}

/// A list's metadata.
public struct ListMeta: Codable, Sendable, Equatable {
    public var resourceVersion: String?
    /// Token for the next page, when `limit` was set.
    public var `continue`: String?
    public var remainingItemCount: Int?

    public init(resourceVersion: String? = nil) { self.resourceVersion = resourceVersion }
}
