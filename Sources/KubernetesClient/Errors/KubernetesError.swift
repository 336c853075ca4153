import Foundation
import HTTPClient
import LabrunCore

/// Turns failed API requests into `LabrunError`s that name the verb, the object and the server's
/// answer, with the reason in `id` (`K8S_NOT_FOUND`, `K8S_CONFLICT`…).
public enum KubernetesError {
    /// What a request was about, for messages: `get Pod todo/backend-1`.
    public struct Subject: Sendable, Equatable, CustomStringConvertible {
        public var verb: String
        public var kind: String
        public var namespace: String?
        public var name: String?

        public init(verb: String, kind: String, namespace: String? = nil, name: String? = nil) {
            self.verb = verb
            self.kind = kind
            self.namespace = namespace
            self.name = name
        }

        /// `Pod todo/backend-1`, `Pods in todo`, `Namespaces`.
        public var object: String {
            switch (namespace, name) {
            case let (ns?, name?): return "\(kind) \(ns)/\(name)"
            case let (nil, name?): return "\(kind) \(name)"
            case let (ns?, nil): return "\(kind) objects in namespace \(ns)"
            case (nil, nil): return "\(kind) objects"
            }
        }

        public var description: String { "\(verb) \(object)" }
    }

    /// The error for a non-2xx answer with body `body` (a `Status`, usually).
    public static func fromResponse(status httpStatus: Int, body: Data, subject: Subject) -> LabrunError {
        let parsed = try? JSONDecoder().decode(KubernetesStatus.self, from: body)
        let status = (parsed?.kind == "Status" || parsed?.reason != nil || parsed?.message != nil) ? parsed : nil
        let text = String(decoding: body.prefix(400), as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        return fromStatus(status ?? KubernetesStatus(message: text.isEmpty ? nil : text, reason: nil, code: httpStatus),
                          httpStatus: httpStatus, subject: subject, debugDetail: String(decoding: body, as: UTF8.self))
    }

    /// The error for a `Status` (from a response body or a watch `ERROR` event).
    public static func fromStatus(_ status: KubernetesStatus, httpStatus: Int?, subject: Subject,
                                  debugDetail: String? = nil) -> LabrunError {
        let code = status.code ?? httpStatus ?? 0
        let reason = status.reason.flatMap(KubernetesStatusReason.init(rawValue:))
            ?? (status.reason == nil || status.reason == "" ? KubernetesStatusReason.from(httpStatus: code) : .unknown)
        var said = status.message?.trimmingCharacters(in: .whitespacesAndNewlines) ?? ""
        if said.isEmpty { said = "no message" }
        let reasonText = status.reason.flatMap { $0.isEmpty ? nil : $0 } ?? reason.rawValue
        var message = "Could not \(subject.verb) \(subject.object): the API server answered \(reasonText) (HTTP \(code)): \(said)"
        if let causes = status.details?.causes, !causes.isEmpty, reason == .invalid {
            let list = causes.prefix(5).map { "\($0.field ?? "?"): \($0.message ?? $0.reason ?? "")" }
            message += " [" + list.joined(separator: "; ") + "]"
        }
        if !message.hasSuffix(".") { message += "." }
        return LabrunError(id: reason.errorID, exitCode: exitCode(for: reason), message: message,
                           advice: advice(for: reason, subject: subject), debugDetail: debugDetail)
    }

    static func exitCode(for reason: KubernetesStatusReason) -> Int32 {
        switch reason {
        case .unauthorized, .forbidden, .serviceUnavailable: return ExitCode.unavailable
        case .timeout, .serverTimeout: return ExitCode.timeout
        default: return ExitCode.external
        }
    }

    static func advice(for reason: KubernetesStatusReason, subject: Subject) -> String? {
        switch reason {
        case .notFound: return "Check the name and namespace (`kubectl get \(subject.kind.lowercased()) -A`)."
        case .alreadyExists: return "Delete it first, or use apply instead of create."
        case .conflict: return "The object changed meanwhile: read it again and retry."
        case .forbidden: return "The kubeconfig's user lacks permission for this; use an admin kubeconfig or grant the role."
        case .unauthorized: return "The kubeconfig's credentials were refused: check the client certificate or token, and that the context is the intended cluster."
        case .invalid: return "Fix the object's fields named above."
        case .gone, .expired: return "The resource version is too old; list again and watch from the new version."
        case .serviceUnavailable, .internalError: return "Check the API server's health (`kubectl get --raw /readyz`)."
        default: return nil
        }
    }
}

extension LabrunError {
    /// The Kubernetes `Status` reason behind this error, or `nil` if it is not an API refusal.
    public var kubernetesReason: KubernetesStatusReason? {
        KubernetesStatusReason.allCases.first { $0.errorID == id }
    }

    /// The API server said NotFound (404).
    public var isNotFound: Bool { kubernetesReason == .notFound }
    /// The API server said AlreadyExists (409 on create).
    public var isAlreadyExists: Bool { kubernetesReason == .alreadyExists }
    /// The API server said Conflict (409 on update or apply).
    public var isConflict: Bool { kubernetesReason == .conflict }
    /// The API server said Forbidden (403).
    public var isForbidden: Bool { kubernetesReason == .forbidden }
    /// The API server said Unauthorized (401).
    public var isUnauthorized: Bool { kubernetesReason == .unauthorized }
    /// The API server said TooManyRequests (429): rate limited, or an eviction a PodDisruptionBudget forbids now.
    public var isTooManyRequests: Bool { kubernetesReason == .tooManyRequests }
    /// The API server said Invalid (422).
    public var isInvalid: Bool { kubernetesReason == .invalid }
    /// The resource version is gone (410 Gone / Expired).
    public var isGone: Bool { kubernetesReason == .gone || kubernetesReason == .expired }
}

extension Error {
    /// The Kubernetes `Status` reason if this is an API refusal (`LabrunError` with a `K8S_…` id).
    public var kubernetesReason: KubernetesStatusReason? { (self as? LabrunError)?.kubernetesReason }
    /// True if the API server answered NotFound.
    public var isKubernetesNotFound: Bool { kubernetesReason == .notFound }
    /// True if the API server answered AlreadyExists.
    public var isKubernetesAlreadyExists: Bool { kubernetesReason == .alreadyExists }
}
