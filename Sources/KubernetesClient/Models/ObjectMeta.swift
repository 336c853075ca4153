import Foundation
import LabrunCore

/// The `metadata` every Kubernetes object has (the fields labrun uses).
public struct ObjectMeta: Codable, Sendable, Equatable {
    public var name: String?
    public var generateName: String?
    public var namespace: String?
    public var uid: String?
    public var resourceVersion: String?
    public var generation: Int?
    public var labels: [String: String]?
    public var annotations: [String: String]?
    /// RFC 3339 text, as the server sent it (see `created`).
    public var creationTimestamp: String?
    public var deletionTimestamp: String?
    public var deletionGracePeriodSeconds: Int?
    public var ownerReferences: [OwnerReference]?
    public var finalizers: [String]?

    public init(name: String? = nil, namespace: String? = nil, labels: [String: String]? = nil,
                annotations: [String: String]? = nil, generateName: String? = nil) {
        self.name = name
        self.namespace = namespace
        self.labels = labels
        self.annotations = annotations
        self.generateName = generateName
    }

    /// `creationTimestamp` as a date.
    public var created: Date? { creationTimestamp.flatMap(KubernetesTime.parse) }
    /// `deletionTimestamp` as a date (set while the object is being deleted).
    public var deleting: Date? { deletionTimestamp.flatMap(KubernetesTime.parse) }
}

/// A link from an object to the object that owns it.
public struct OwnerReference: Codable, Sendable, Equatable {
    public var apiVersion: String?
    public var kind: String?
    public var name: String?
    public var uid: String?
    public var controller: Bool?
}

/// A label selector (`matchLabels` and `matchExpressions`).
public struct LabelSelector: Codable, Sendable, Equatable {
    public var matchLabels: [String: String]?
    public var matchExpressions: [JSONValue]?

    public init(matchLabels: [String: String]? = nil) { self.matchLabels = matchLabels }

    /// `matchLabels` as a selector string for list and watch (`a=b,c=d`, sorted).
    public var selectorString: String {
        (matchLabels ?? [:]).sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: ",")
    }
}

/// A status condition (`Ready`, `Available`, `Progressing`…).
public struct Condition: Codable, Sendable, Equatable {
    public var type: String
    /// `"True"`, `"False"` or `"Unknown"`.
    public var status: String
    public var reason: String?
    public var message: String?
    public var lastTransitionTime: String?
    public var lastUpdateTime: String?

    public init(type: String, status: String, reason: String? = nil, message: String? = nil) {
        self.type = type
        self.status = status
        self.reason = reason
        self.message = message
    }

    public var isTrue: Bool { status == "True" }
}

/// A port given as a number or a name (`targetPort: 8000` or `targetPort: http`).
public enum IntOrString: Codable, Sendable, Equatable, CustomStringConvertible {
    case int(Int)
    case string(String)

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if let value = try? container.decode(Int.self) { self = .int(value) } else { self = .string(try container.decode(String.self)) }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case .int(let value): try container.encode(value)
        case .string(let value): try container.encode(value)
        }
    }

    public var description: String {
        switch self {
        case .int(let value): return String(value)
        case .string(let value): return value
        }
    }
}

/// Kubernetes timestamps (RFC 3339, with or without fractional seconds).
public enum KubernetesTime {
    public static func parse(_ text: String) -> Date? {
        let plain = ISO8601DateFormatter()
        plain.formatOptions = [.withInternetDateTime]
        if let date = plain.date(from: text) { return date }
        let fractional = ISO8601DateFormatter()
        fractional.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return fractional.date(from: text)
    }
}
