/// One change seen by a watch.
public struct WatchEvent<Object: Sendable>: Sendable {
    /// What happened to the object.
    public enum Kind: String, Sendable, Equatable {
        case added = "ADDED"
        case modified = "MODIFIED"
        case deleted = "DELETED"
    }

    public var type: Kind
    /// The object after the change (for `deleted`: its last state).
    public var object: Object
    /// The object's `metadata.resourceVersion` (resume a watch after it).
    public var resourceVersion: String?

    public init(type: Kind, object: Object, resourceVersion: String? = nil) {
        self.type = type
        self.object = object
        self.resourceVersion = resourceVersion
    }
}
