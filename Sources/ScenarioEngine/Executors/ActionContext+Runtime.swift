import ClusterProviders
import KubernetesClient
import LabrunCore
import ScenarioModel

/// Reaching the node's container runtime from the host (killContainer, networkFault with netem).
extension ActionContext {
    /// The Docker container id of a pod's container (`docker://…`), or an error saying why there is none.
    func dockerContainerID(_ pod: Pod, container: String?) throws -> (name: String, id: String, restarts: Int) {
        let statuses = pod.status?.containerStatuses ?? []
        let wanted = container ?? pod.spec?.containers.first?.name
        guard let status = statuses.first(where: { $0.name == wanted }) ?? statuses.first else {
            throw LabrunError(id: ErrorID.containerNotFound, message: "Pod \(pod.metadata.name ?? "?") has no container \(wanted ?? "?") running.")
        }
        guard let raw = status.containerID, raw.hasPrefix("docker://") else {
            throw LabrunError(
                id: ErrorID.runtimeUnsupported, exitCode: ExitCode.unavailable,
                message: "killContainer and networkFault (netem) need the node's container runtime on this host (Docker via dockershim); pod \(pod.metadata.name ?? "?") runs on \(status.containerID?.split(separator: ":").first.map(String.init) ?? "an unknown runtime").",
                advice: "Use the bare provider, or use deletePod / a NetworkPolicy network fault (method: networkPolicy) on this cluster.")
        }
        return (status.name, String(raw.dropFirst("docker://".count)), status.restartCount ?? 0)
    }

    /// Throws unless the provider gives this host the node's container runtime (the bare provider).
    func requireHostRuntime() throws {
        guard provider is any HostAccess, provider.kind == .bare else {
            throw LabrunError(
                id: ErrorID.runtimeUnsupported, exitCode: ExitCode.unavailable,
                message: "This action reaches the node's container runtime from the host, which the \(provider.kind) provider does not offer.",
                advice: "Run it on the bare provider, or use deletePod / networkFault with method: networkPolicy.")
        }
    }
}
