import LabrunCore

/// How the host reaches the stack's Services (`--access`; nil means the fallback chain: NodePort
/// when the node's address answers from here, else `minikube service --url` on Minikube, else
/// `kubectl port-forward`).
public enum AccessMethod: String, Sendable, Equatable, CaseIterable, CustomStringConvertible {
    /// The NodePort twins `labrun-<service>` on the node's address (lasts after labrun exits).
    case nodePort = "nodeport"
    /// `kubectl port-forward` to each Service, on 127.0.0.1 (lasts while labrun runs).
    case portForward = "port-forward"
    /// `minikube service --url` of each NodePort twin: the node's address, or, with Docker Desktop,
    /// rootless Docker and other drivers whose node the host cannot route to, a tunnel on 127.0.0.1
    /// that lasts while labrun runs.
    case service

    public var description: String { rawValue }

    /// Parses `--access` or `LABRUN_ACCESS`.
    public static func parse(_ text: String, source: String) throws -> AccessMethod {
        guard let method = AccessMethod(rawValue: text.trimmingCharacters(in: .whitespaces).lowercased()) else {
            throw LabrunError(id: ErrorID.accessUnknown, exitCode: ExitCode.usage,
                              message: "Unknown access method '\(text)' (from \(source)).",
                              advice: "Use one of: \(allCases.map(\.rawValue).joined(separator: ", ")); leave it out to let labrun choose.")
        }
        return method
    }
}
