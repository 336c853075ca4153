import Foundation
import LabrunCore

/// Picks the cluster provider: `--provider`, else `LABRUN_PROVIDER`, else `existing` when only
/// `--kubeconfig`/`--context` were given, else the first available of minikube, kind, bare.
///
/// `existing` is never picked by auto-detection: labrun does not deploy into whatever cluster a
/// kubeconfig happens to point at unless told to.
public struct ProviderSelector: Sendable {
    public var context: ProviderContext
    public var probe: any ClusterProbe

    public init(context: ProviderContext, probe: any ClusterProbe) {
        self.context = context
        self.probe = probe
    }

    /// What the user asked for on the command line.
    public struct Request: Sendable, Equatable {
        public var provider: String?
        public var kubeconfig: String?
        public var kubeContext: String?
        public init(provider: String? = nil, kubeconfig: String? = nil, kubeContext: String? = nil) {
            self.provider = provider
            self.kubeconfig = kubeconfig
            self.kubeContext = kubeContext
        }
    }

    /// The order auto-detection tries.
    public static let autoOrder: [ProviderKind] = [.minikube, .kind, .bare]

    /// Builds the provider for `kind` (without checking that it can work).
    public func make(_ kind: ProviderKind, request: Request = Request()) -> any ClusterProvider {
        switch kind {
        case .minikube: return MinikubeProvider(context: context)
        case .kind: return KindProvider(context: context)
        case .bare: return BareProvider(context: context)
        case .existing:
            return ExistingProvider(context: context, kubeconfig: request.kubeconfig,
                                    contextName: request.kubeContext, probe: probe)
        }
    }

    /// The provider asked for, and how it was chosen (for `status` and `--verbose`).
    public func select(_ request: Request) async throws -> (provider: any ClusterProvider, reason: String) {
        if let explicit = try explicitChoice(request) {
            let provider = make(explicit.kind, request: request)
            let availability = await provider.detect()
            guard availability.available else {
                throw LabrunError(
                    id: ErrorID.providerUnavailable, exitCode: ExitCode.unavailable,
                    message: "The \(explicit.kind) provider (chosen by \(explicit.source)) cannot work here: \(availability.reason).",
                    advice: Self.howToGet(explicit.kind))
            }
            return (provider, "chosen by \(explicit.source); \(availability.reason)")
        }
        var tried: [String] = []
        for kind in Self.autoOrder {
            let provider = make(kind, request: request)
            let availability = await provider.detect()
            if availability.available { return (provider, "auto-detected: \(availability.reason)") }
            tried.append("\(kind): \(availability.reason)")
        }
        throw LabrunError(
            id: ErrorID.noProvider, exitCode: ExitCode.unavailable,
            message: "No cluster provider is available. labrun looked for:\n"
                + tried.map { "    - \($0)" }.joined(separator: "\n"),
            advice: "Install minikube (https://minikube.sigs.k8s.io/docs/start/) or kind; or run as root on Linux "
                + "to use `--provider bare`; or use a cluster you have with `--provider existing --kubeconfig FILE --context NAME`.")
    }

    /// `--provider` beats `LABRUN_PROVIDER`; `--kubeconfig`/`--context` alone mean `existing`.
    public func explicitChoice(_ request: Request) throws -> (kind: ProviderKind, source: String)? {
        if let flag = request.provider, !flag.isEmpty {
            return (try ProviderKind.parse(flag, source: "--provider"), "--provider")
        }
        if let env = context.environment["LABRUN_PROVIDER"], !env.isEmpty {
            return (try ProviderKind.parse(env, source: "LABRUN_PROVIDER"), "LABRUN_PROVIDER")
        }
        if request.kubeconfig != nil || request.kubeContext != nil {
            return (.existing, "--kubeconfig/--context")
        }
        return nil
    }

    static func howToGet(_ kind: ProviderKind) -> String {
        switch kind {
        case .minikube: return "Install minikube (https://minikube.sigs.k8s.io/docs/start/) and make sure it is on PATH; run labrun as "
            + "your own user, not root (minikube's docker driver refuses root; or set LABRUN_MINIKUBE_DRIVER to a driver that runs as root); or choose another --provider."
        case .kind: return "Install kind (https://kind.sigs.k8s.io) and Docker, or choose another --provider."
        case .bare: return "The bare cluster needs root on a Linux host (it starts system daemons and changes iptables): run labrun as root "
            + "from inside the repository; or, as your own user, use a bare cluster root started (`sudo cluster/bare/up`) with "
            + "`--provider existing --kubeconfig /var/lib/labrun/bare/admin.kubeconfig` (a copy readable by you); or use minikube or kind."
        case .existing: return "Pass --kubeconfig FILE (and --context NAME) or set KUBECONFIG to a cluster you can reach."
        }
    }
}
