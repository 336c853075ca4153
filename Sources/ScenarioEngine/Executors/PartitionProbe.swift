import ClusterProviders
import KubernetesClient
import LabrunCore
import ScenarioModel

/// Proves that a NetworkPolicy cut landed: a pod of another of the stack's workloads opens a TCP
/// connection to a cut pod (its pod IP and container port) through `kubectl exec`. It must connect
/// before the policy exists and must fail once it does.
///
/// The probe runs inside the cluster on purpose: Kubernetes lets traffic from a pod's own node
/// through whatever the policies say (the kubelet's probes), and NodePort traffic from the host
/// usually arrives as the node's address, while `kubectl port-forward` enters the pod's network
/// namespace directly — none of them would see the cut. Pod-to-pod traffic is what a policy governs.
struct PartitionProbe: Sendable {
    /// The pod that connects, and its container.
    var fromPod: String
    var fromContainer: String
    /// The workload it belongs to (for messages).
    var fromWorkload: String
    /// Where it connects: a cut pod's IP and port.
    var host: String
    var port: Int
    var toPod: String

    /// What one attempt found.
    enum Result: Equatable {
        case connected
        case refused
        /// The probe could not run (no shell or no connecting tool in the image, exec refused): why.
        case cannotProbe(String)
    }

    /// Seconds one connection attempt may take.
    static let connectTimeout = 3

    /// Tries python3, then nc, then bash's /dev/tcp under `timeout` — whichever the image has.
    /// Exit 0: connected; 1: not connected; 3: no tool to connect with.
    static let script = """
        h="$1"; p="$2"
        if command -v python3 >/dev/null 2>&1; then
          exec python3 -c 'import socket, sys
        s = socket.socket(socket.AF_INET6 if ":" in sys.argv[1] else socket.AF_INET)
        s.settimeout(\(connectTimeout))
        sys.exit(0 if s.connect_ex((sys.argv[1], int(sys.argv[2]))) == 0 else 1)' "$h" "$p"
        fi
        if command -v nc >/dev/null 2>&1; then nc -z -w \(connectTimeout) "$h" "$p" >/dev/null 2>&1 && exit 0 || exit 1; fi
        if command -v bash >/dev/null 2>&1 && command -v timeout >/dev/null 2>&1; then
          timeout \(connectTimeout) bash -c 'exec 3<>"/dev/tcp/$0/$1"' "$h" "$p" 2>/dev/null && exit 0 || exit 1
        fi
        exit 3
        """

    /// The `kubectl exec` that makes one attempt.
    func command(kubeconfig: KubeconfigTarget, namespace: String) -> Command {
        Command("kubectl", kubeconfig.kubectlArguments + ["--namespace", namespace, "exec", fromPod, "--container", fromContainer,
                                                          "--", "sh", "-c", Self.script, "labrun-probe", host, String(port)],
                timeout: Double(Self.connectTimeout) + 30)
    }

    /// One attempt.
    func attempt(_ context: ActionContext, kubeconfig: KubeconfigTarget) async throws -> Result {
        let output = try await context.runner.run(command(kubeconfig: kubeconfig, namespace: context.namespace))
        switch output.exitCode {
        case 0: return .connected
        case 1 where output.standardError.isEmpty || output.standardError.contains("exit code 1"): return .refused
        case 3: return .cannotProbe("pod \(fromPod) has no python3, nc, or bash with timeout to open a connection with")
        default:
            let said = (output.standardError + output.standardOutput).trimmingCharacters(in: .whitespacesAndNewlines)
            return .cannotProbe("`kubectl exec` into pod \(fromPod) failed (exit \(output.exitCode))" + (said.isEmpty ? "" : ": \(said.prefix(300))"))
        }
    }

    /// A probe for a cut of `workload`: from a ready pod of another workload (the API first) to
    /// `target`'s IP and first container port (else the workload's Service port); nil and why when
    /// there is none.
    static func make(cutting workload: String, target: Pod, context: ActionContext) async throws -> (PartitionProbe?, String) {
        guard let host = target.status?.podIP, !host.isEmpty else {
            return (nil, "pod \(target.metadata.name ?? "?") has no IP yet")
        }
        let declared = target.spec?.containers.flatMap { $0.ports ?? [] }.first { ($0.protocol ?? "TCP") == "TCP" }?.containerPort
        guard let port = declared ?? context.stack.workload(workload)?.service?.port else {
            return (nil, "pod \(target.metadata.name ?? "?") declares no TCP port and workloads.\(workload) has no service port in \(context.stack.file)")
        }
        let others = context.stack.workloads.filter { $0.name != workload }
            .sorted { ($0.role == .api ? 0 : 1) < ($1.role == .api ? 0 : 1) }
        for other in others {
            let pods = ActionContext.active(try await context.pods(.workload(other.name))).filter(\.isReady)
            guard let peer = pods.first(where: { $0.metadata.name != target.metadata.name }), let name = peer.metadata.name else { continue }
            let container = other.container ?? peer.spec?.containers.first?.name ?? other.name
            return (PartitionProbe(fromPod: name, fromContainer: container, fromWorkload: other.name, host: host, port: port,
                                   toPod: target.metadata.name ?? "?"), "")
        }
        return (nil, "no other workload of the stack has a ready pod to connect from")
    }
}
