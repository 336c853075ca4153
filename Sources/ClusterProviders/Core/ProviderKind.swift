import Foundation
import LabrunCore

/// The cluster backends labrun knows, in auto-detection order.
public enum ProviderKind: String, Sendable, Codable, CaseIterable, Equatable, CustomStringConvertible {
    case minikube
    case kind
    case bare
    case existing

    public var description: String { rawValue }

    /// One line saying what this backend is, for help text and errors.
    public var summary: String {
        switch self {
        case .minikube: return "a Minikube profile (the default where `minikube` is installed)"
        case .kind: return "a kind cluster (where `kind` is installed)"
        case .bare: return "Kubernetes run directly on this Linux host by cluster/bare/, one to four nodes (root only)"
        case .existing: return "a kubeconfig context labrun never creates or deletes"
        }
    }

    /// Parses a user's `--provider` or `LABRUN_PROVIDER` value.
    public static func parse(_ text: String, source: String) throws -> ProviderKind {
        let key = text.trimmingCharacters(in: .whitespaces).lowercased()
        guard let kind = ProviderKind(rawValue: key) else {
            throw LabrunError(
                id: ErrorID.providerUnknown, exitCode: ExitCode.usage,
                message: "Unknown cluster provider '\(text)' (from \(source)).",
                advice: "Use one of: \(ProviderKind.allCases.map(\.rawValue).joined(separator: ", ")).")
        }
        return kind
    }
}
