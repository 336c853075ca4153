import ClusterProviders
import KubernetesClient
import LabrunCore
import ScenarioModel

/// Reaching a container's process: through the node's container runtime (killContainer, freeze,
/// networkFault with netem), or from inside the pod where nothing else is possible.
extension ActionContext {
    /// One container of a pod, as its status names it.
    struct ContainerRef: Sendable, Equatable {
        var pod: String
        var name: String
        /// `docker`, `containerd`, `cri-o` — the scheme of `status.containerID`.
        var runtime: String
        var id: String
        var restarts: Int
        /// The Kubernetes node the pod runs on.
        var node: String?
    }

    /// How a container is killed, and how the report says it was.
    struct KillRoute: Sendable, Equatable {
        var command: Command
        /// `docker kill --signal KILL 0123456789ab`, `from inside the pod: kill -s TERM 1`, …
        var said: String
        /// The signal actually sent (from inside a pod, KILL cannot reach PID 1: TERM is sent instead).
        var signal: KillSignal
        /// Set when the route differs from what was asked (the report says so).
        var note: String?
    }

    /// A pod's container: `container`, else the pod's first.
    func containerRef(_ pod: Pod, container: String?) throws -> ContainerRef {
        let statuses = pod.status?.containerStatuses ?? []
        let wanted = container ?? pod.spec?.containers.first?.name
        let name = pod.metadata.name ?? "?"
        guard let status = statuses.first(where: { $0.name == wanted }) ?? statuses.first,
              let raw = status.containerID, let separator = raw.range(of: "://") else {
            throw LabrunError(id: ErrorID.containerNotFound, message: "Pod \(name) has no container \(wanted ?? "?") running.")
        }
        return ContainerRef(pod: name, name: status.name, runtime: String(raw[..<separator.lowerBound]),
                            id: String(raw[separator.upperBound...]), restarts: status.restartCount ?? 0,
                            node: pod.spec?.nodeName)
    }

    /// A pod's container run by Docker (`docker://…`), or an error saying why there is none.
    func dockerContainer(_ pod: Pod, container: String?) throws -> ContainerRef {
        let ref = try containerRef(pod, container: container)
        guard ref.runtime == "docker" else {
            throw LabrunError(
                id: ErrorID.runtimeUnsupported, exitCode: ExitCode.unavailable,
                message: "networkFault (netem) needs the node's container runtime on this host (Docker via dockershim); pod \(ref.pod) runs on \(ref.runtime).",
                advice: "Use the bare provider, or a NetworkPolicy network fault (method: networkPolicy) on this cluster.")
        }
        return ref
    }

    /// How to kill `ref` with `signal`, chosen by provider:
    /// - a provider with node access (bare, Minikube, kind): the node's runtime — `docker kill
    ///   --signal S` where the node runs Docker, else `crictl stop --timeout 0` (KILL) or
    ///   `crictl stop --timeout 30` (TERM: the container's stop signal, then KILL after 30 s);
    /// - otherwise, a Docker container this host's engine runs (an existing cluster whose kubelet
    ///   uses this host's Docker, e.g. the bare cluster used as `existing`): `docker kill` here;
    /// - otherwise, from inside the pod with `kubectl exec … kill -s TERM 1` — KILL cannot reach a
    ///   container's PID 1 from inside its PID namespace, so TERM is sent, and the report says so.
    func killRoute(_ ref: ContainerRef, signal: KillSignal) async throws -> KillRoute {
        let short = String(ref.id.prefix(12))
        let arguments = ref.runtime == "docker" ? ["docker", "kill", "--signal", signal.rawValue, ref.id]
                                                : ["crictl", "stop", "--timeout", signal == .kill ? "0" : "30", ref.id]
        let shown = (ref.runtime == "docker" ? ["docker", "kill", "--signal", signal.rawValue, short]
                                             : ["crictl", "stop", "--timeout", signal == .kill ? "0" : "30", short]).joined(separator: " ")
        if let route = try await runtimeCommand(arguments, for: ref) {
            return KillRoute(command: route.command, said: shown + route.via, signal: signal)
        }
        let target = try await provider.kubeconfig()
        let command = Command("kubectl", target.kubectlArguments + ["--namespace", namespace, "exec", ref.pod, "--container", ref.name,
                                                                    "--", "kill", "-s", "TERM", "1"], timeout: 60)
        let note = "the \(provider.kind) provider gives no access to the node's container runtime, so the container was signalled from inside the pod"
            + (signal == .kill ? " with TERM (KILL cannot reach a container's PID 1 from inside it)" : "")
        return KillRoute(command: command, said: "from inside the pod: kill -s TERM 1", signal: .term, note: note)
    }

    /// How to run `arguments` (a `docker` or `crictl` command) where `ref`'s runtime is, as root: the
    /// provider's node command (bare: this host, Minikube: `minikube ssh`, kind: `docker exec`), else
    /// this host's Docker when it runs the container (an existing cluster on this host's Docker); nil
    /// when neither reaches it. `via` says where, for the report (empty on bare).
    func runtimeCommand(_ arguments: [String], for ref: ContainerRef, timeout: Double = 60) async throws -> (command: Command, via: String)? {
        if let node = provider as? any NodeAccess {
            let command = node.nodeCommand(arguments, node: ref.node, timeout: timeout)
            if provider.kind == .bare {   // every node is on this host: only an extra node is named
                return (command, ref.node.map { $0 == BareProvider.firstNode ? "" : " on node \($0)" } ?? "")
            }
            return (command, " on node \(ref.node ?? "?") (\(command.executable) \(command.arguments.first ?? ""))")
        }
        if ref.runtime == "docker", arguments.first == "docker", runner.which("docker") != nil,
           try await runner.run(Command("docker", ["inspect", "--format", "{{.Id}}", ref.id], timeout: 30)).succeeded {
            return (Command("docker", Array(arguments.dropFirst()), timeout: timeout), " (this host's Docker runs the node's containers)")
        }
        return nil
    }

    /// Throws unless the provider gives this host the node's container runtime (the bare provider):
    /// the action reaches `reaching` from the host; `advice` says what to do instead.
    func requireHostRuntime(reaching: String, advice: String) throws {
        guard provider is any HostAccess, provider.kind == .bare else {
            throw LabrunError(
                id: ErrorID.runtimeUnsupported, exitCode: ExitCode.unavailable,
                message: "This action reaches \(reaching) from the host, which the \(provider.kind) provider does not offer.",
                advice: advice)
        }
    }
}
