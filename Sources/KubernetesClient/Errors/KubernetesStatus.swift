/// The `Status` object the API server sends with a failure.
public struct KubernetesStatus: Codable, Sendable, Equatable {
    public var kind: String?
    public var status: String?
    public var message: String?
    public var reason: String?
    public var code: Int?
    public var details: Details?

    public init(message: String? = nil, reason: String? = nil, code: Int? = nil) {
        self.kind = "Status"
        self.status = "Failure"
        self.message = message
        self.reason = reason
        self.code = code
    }

    /// `details` of a Status: which object, and field-level causes for `Invalid`.
    public struct Details: Codable, Sendable, Equatable {
        public var name: String?
        public var group: String?
        public var kind: String?
        public var causes: [Cause]?
    }

    /// One cause (`field: spec.replicas`, `message: must be greater than or equal to 0`).
    public struct Cause: Codable, Sendable, Equatable {
        public var reason: String?
        public var message: String?
        public var field: String?
    }
}

/// Why the API server refused a request (`Status.reason`), available to code through
/// `LabrunError.kubernetesReason` and the `isNotFound`-style helpers.
public enum KubernetesStatusReason: String, Sendable, CaseIterable {
    case notFound = "NotFound"
    case alreadyExists = "AlreadyExists"
    case conflict = "Conflict"
    case forbidden = "Forbidden"
    case unauthorized = "Unauthorized"
    case invalid = "Invalid"
    case badRequest = "BadRequest"
    case gone = "Gone"
    case expired = "Expired"
    case methodNotAllowed = "MethodNotAllowed"
    case unsupportedMediaType = "UnsupportedMediaType"
    case tooManyRequests = "TooManyRequests"
    case timeout = "Timeout"
    case serverTimeout = "ServerTimeout"
    case internalError = "InternalError"
    case serviceUnavailable = "ServiceUnavailable"
    case requestEntityTooLarge = "RequestEntityTooLarge"
    case notAcceptable = "NotAcceptable"
    /// No reason (or one labrun does not know).
    case unknown = "Unknown"

    /// The stable `LabrunError.id` for this reason, e.g. `K8S_NOT_FOUND`.
    public var errorID: String {
        var id = "K8S_"
        for (index, char) in rawValue.enumerated() {
            if char.isUppercase && index > 0 { id += "_" }
            id += char.uppercased()
        }
        return id
    }

    /// The reason a status code implies when the server sent no `Status` body.
    public static func from(httpStatus: Int) -> KubernetesStatusReason {
        switch httpStatus {
        case 400: return .badRequest
        case 401: return .unauthorized
        case 403: return .forbidden
        case 404: return .notFound
        case 405: return .methodNotAllowed
        case 406: return .notAcceptable
        case 409: return .conflict
        case 410: return .gone
        case 413: return .requestEntityTooLarge
        case 415: return .unsupportedMediaType
        case 422: return .invalid
        case 429: return .tooManyRequests
        case 500: return .internalError
        case 503: return .serviceUnavailable
        case 504: return .serverTimeout
        default: return .unknown
        }
    }
}
