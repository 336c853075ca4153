import LabrunCore

/// Options of a list request.
public struct ListOptions: Sendable, Equatable {
    /// `app.kubernetes.io/name=todo,tier!=cache`.
    public var labelSelector: String?
    /// `status.phase=Running,metadata.name=web-0`.
    public var fieldSelector: String?
    public var limit: Int?
    /// The `continue` token of the previous page.
    public var continueToken: String?
    public var resourceVersion: String?

    public init(labelSelector: String? = nil, fieldSelector: String? = nil, limit: Int? = nil,
                continueToken: String? = nil, resourceVersion: String? = nil) {
        self.labelSelector = labelSelector
        self.fieldSelector = fieldSelector
        self.limit = limit
        self.continueToken = continueToken
        self.resourceVersion = resourceVersion
    }
}

/// Options of a watch.
public struct WatchOptions: Sendable, Equatable {
    public var labelSelector: String?
    public var fieldSelector: String?
    /// Start after this version. `nil`: list first, and watch from the list's version.
    public var resourceVersion: String?
    /// With no `resourceVersion`: deliver the objects that exist now as `ADDED` events first.
    public var includeExisting: Bool
    /// Seconds each watch request stays open before the server closes it (the watch reconnects
    /// from the last seen version, so the sequence itself does not end).
    public var requestTimeout: Int
    /// Longest pause between reconnection attempts after a failure (doubles from 0.2s).
    public var maxReconnectDelay: Double
    /// Attempts in a row that may fail before the sequence throws.
    public var maxConsecutiveFailures: Int

    public init(labelSelector: String? = nil, fieldSelector: String? = nil, resourceVersion: String? = nil,
                includeExisting: Bool = true, requestTimeout: Int = 300, maxReconnectDelay: Double = 5,
                maxConsecutiveFailures: Int = 8) {
        self.labelSelector = labelSelector
        self.fieldSelector = fieldSelector
        self.resourceVersion = resourceVersion
        self.includeExisting = includeExisting
        self.requestTimeout = requestTimeout
        self.maxReconnectDelay = maxReconnectDelay
        self.maxConsecutiveFailures = maxConsecutiveFailures
    }
}

/// Options of a delete.
public struct DeleteOptions: Sendable, Equatable {
    /// How dependents are removed.
    public enum Propagation: String, Sendable, Equatable {
        case foreground = "Foreground", background = "Background", orphan = "Orphan"
    }

    /// Seconds the object's pods get to stop; `0` deletes at once.
    public var gracePeriodSeconds: Int?
    public var propagationPolicy: Propagation?
    /// Treat "not found" as success.
    public var ignoreNotFound: Bool

    public init(gracePeriodSeconds: Int? = nil, propagationPolicy: Propagation? = nil, ignoreNotFound: Bool = false) {
        self.gracePeriodSeconds = gracePeriodSeconds
        self.propagationPolicy = propagationPolicy
        self.ignoreNotFound = ignoreNotFound
    }
}

/// Options of server-side apply.
public struct ApplyOptions: Sendable, Equatable {
    /// The field manager recorded on the object; labrun's own is `labrun`.
    public var fieldManager: String
    /// Take over fields owned by other managers instead of failing with a Conflict.
    public var force: Bool
    public var dryRun: Bool

    public init(fieldManager: String = "labrun", force: Bool = true, dryRun: Bool = false) {
        self.fieldManager = fieldManager
        self.force = force
        self.dryRun = dryRun
    }
}

/// A patch body and its kind.
public enum KubernetesPatch: Sendable, Equatable {
    /// RFC 7386 merge patch (`application/merge-patch+json`).
    case merge(JSONValue)
    /// Strategic merge patch (`application/strategic-merge-patch+json`), built-in kinds only.
    case strategicMerge(JSONValue)
    /// RFC 6902 JSON patch (`application/json-patch+json`).
    case json([JSONPatchOperation])

    public var contentType: String {
        switch self {
        case .merge: return "application/merge-patch+json"
        case .strategicMerge: return "application/strategic-merge-patch+json"
        case .json: return "application/json-patch+json"
        }
    }
}

/// One RFC 6902 operation.
public struct JSONPatchOperation: Sendable, Equatable, Codable {
    public var op: String
    public var path: String
    public var value: JSONValue?
    public var from: String?

    public init(op: String, path: String, value: JSONValue? = nil, from: String? = nil) {
        self.op = op
        self.path = path
        self.value = value
        self.from = from
    }

    public static func add(_ path: String, _ value: JSONValue) -> JSONPatchOperation { .init(op: "add", path: path, value: value) }
    public static func replace(_ path: String, _ value: JSONValue) -> JSONPatchOperation { .init(op: "replace", path: path, value: value) }
    public static func remove(_ path: String) -> JSONPatchOperation { .init(op: "remove", path: path) }
    public static func test(_ path: String, _ value: JSONValue) -> JSONPatchOperation { .init(op: "test", path: path, value: value) }
}
