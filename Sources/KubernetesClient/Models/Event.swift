/// An Event (core/v1): something that happened to an object.
public struct Event: KubernetesResource, Equatable {
    public static let resourceType = ResourceType.events
    public var apiVersion: String? = "v1"
    public var kind: String? = "Event"
    public var metadata: ObjectMeta
    public var involvedObject: ObjectReference?
    public var reason: String?
    public var message: String?
    /// `Normal` or `Warning`.
    public var type: String?
    public var count: Int?
    public var firstTimestamp: String?
    public var lastTimestamp: String?
    public var eventTime: String?
    public var source: EventSource?
    public var reportingComponent: String?

    public init(metadata: ObjectMeta) { self.metadata = metadata }
}

/// Who reported an event.
public struct EventSource: Codable, Sendable, Equatable {
    public var component: String?
    public var host: String?
}
