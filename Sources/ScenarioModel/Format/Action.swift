/// A chaos action or a wait, as written under `action:` (or in `try` / `catch` / `finally` / `cleanup`).
///
/// Every action that injects a fault also verifies that it landed (a new pod UID, a higher restart
/// count, a started rollout) and records when, so recovery is measured from the fault, not the request.
public enum Action: Sendable, Hashable, Codable {
    /// Delete pods through the Kubernetes API (graceful, or forced with grace period 0).
    case deletePod(DeletePodAction)
    /// Kill a container through the container runtime: a crash the kubelet restarts, not a delete.
    case killContainer(KillContainerAction)
    /// Freeze a container's processes through the runtime (its cgroup freezer) for a while, then thaw them.
    case freeze(FreezeAction)
    /// Load a container's CPU or memory from inside its own cgroups (a stressor joined to them), up to an OOM kill.
    case stress(StressAction)
    /// Fill the filesystem of a pod's PersistentVolume to the last block for a while, then free it.
    case fillVolume(FillVolumeAction)
    /// Change a Deployment's image/`APP_VERSION` and let it roll.
    case rollingUpdate(RollingUpdateAction)
    /// Set a workload's replica count.
    case scale(ScaleAction)
    /// Delete the PostgreSQL pod (its PersistentVolumeClaim stays) and wait for it to come back.
    case restartPostgres(RestartPostgresAction)
    /// Stop and start the whole cluster through its provider.
    case restartCluster(RestartClusterAction)
    /// Cut or delay the network of a workload's pods for a while.
    case networkFault(NetworkFaultAction)
    /// Stop a node or cut it off the network for a while, then bring it back.
    case nodeFault(NodeFaultAction)
    /// Wait for a fixed time or until a condition holds.
    case wait(WaitAction)
    /// Send one HTTP request to the stack (optionally repeated), e.g. to write known data.
    case http(HTTPAction)
    /// Save pod logs and events next to the report (typically in `catch`).
    case collectDiagnostics(CollectDiagnosticsAction)

    /// The key that names this action in a file.
    public var kindName: String {
        switch self {
        case .deletePod: return "deletePod"
        case .killContainer: return "killContainer"
        case .freeze: return "freeze"
        case .stress: return "stress"
        case .fillVolume: return "fillVolume"
        case .rollingUpdate: return "rollingUpdate"
        case .scale: return "scale"
        case .restartPostgres: return "restartPostgres"
        case .restartCluster: return "restartCluster"
        case .networkFault: return "networkFault"
        case .nodeFault: return "nodeFault"
        case .wait: return "wait"
        case .http: return "http"
        case .collectDiagnostics: return "collectDiagnostics"
        }
    }

    /// Every action key, in the order the spec lists them.
    public static let kindNames = ["deletePod", "killContainer", "freeze", "stress", "fillVolume", "rollingUpdate", "scale", "restartPostgres",
                                   "restartCluster", "networkFault", "nodeFault", "wait", "http", "collectDiagnostics"]
}
