import Foundation
import LabrunCore

/// A cluster labrun did not make: a kubeconfig context it uses as it is. `create` only checks
/// that the API answers; `destroy` never touches the cluster.
public struct ExistingProvider: ClusterProvider {
    public let kind = ProviderKind.existing
    public let context: ProviderContext
    public let target: KubeconfigTarget
    public let probe: any ClusterProbe

    /// `kubeconfig` defaults to `KUBECONFIG`'s first entry or `~/.kube/config`; `contextName`
    /// to the file's current context.
    public init(context: ProviderContext, kubeconfig: String? = nil, contextName: String? = nil, probe: any ClusterProbe) {
        self.context = context
        self.target = KubeconfigTarget(path: kubeconfig ?? context.defaultKubeconfigPath, context: contextName)
        self.probe = probe
    }

    public func detect() async -> ProviderAvailability {
        guard FileManager.default.fileExists(atPath: target.path) else {
            return .no("no kubeconfig at \(target.path)")
        }
        return .yes("kubeconfig \(target)")
    }

    public func status() async throws -> ClusterState {
        guard FileManager.default.fileExists(atPath: target.path) else {
            return ClusterState(phase: .absent, detail: "no kubeconfig at \(target.path)")
        }
        do {
            let version = try await probe.serverVersion(target)
            return ClusterState(phase: .running, detail: "API server of \(target) answers", kubernetesVersion: version)
        } catch let error as LabrunError {
            let problem = ClusterAccessFailure.classify(error, target: target, neverStarts: true)
            return ClusterState(phase: .degraded, detail: "\(problem.message) [\(problem.id)]", problem: problem)
        }
    }

    public func create() async throws -> CreateOutcome {
        guard FileManager.default.fileExists(atPath: target.path) else {
            throw LabrunError(
                id: ErrorID.kubeconfigMissing, exitCode: ExitCode.unavailable,
                message: "The existing-cluster provider needs a kubeconfig, and there is none at \(target.path).",
                advice: "Pass --kubeconfig FILE (and --context NAME), or set KUBECONFIG.")
        }
        do {
            _ = try await probe.serverVersion(target)
        } catch let error as LabrunError {
            // A kubeconfig that cannot be used (malformed, a missing context or file, a credential
            // plugin that failed), a TLS mismatch or refused credentials keep ids and advice of their
            // own: starting the cluster would not help them.
            throw ClusterAccessFailure.classify(error, target: target, neverStarts: true)
        }
        return .alreadyRunning
    }

    public func kubeconfig() async throws -> KubeconfigTarget { target }

    public func destroy(_ outcome: CreateOutcome) async throws {}
}
