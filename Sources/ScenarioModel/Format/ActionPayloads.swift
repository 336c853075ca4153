/// `deletePod`: delete `count` matching pods through the API; verified by a new pod UID taking the place.
public struct DeletePodAction: Sendable, Hashable, Codable {
    public var target: PodTarget
    public var count: Int
    public var pick: PodPick
    /// Grace period; `nil` keeps the pod's own `terminationGracePeriodSeconds`.
    public var grace: ScenarioDuration?
    /// Forced delete: grace period 0, no wait for the kubelet.
    public var force: Bool

    public init(target: PodTarget, count: Int = 1, pick: PodPick = .random, grace: ScenarioDuration? = nil, force: Bool = false) {
        self.target = target
        self.count = count
        self.pick = pick
        self.grace = grace
        self.force = force
    }
}

/// `killContainer`: kill a container's main process through the runtime; verified by its restart count going up.
public struct KillContainerAction: Sendable, Hashable, Codable {
    public var target: PodTarget
    public var count: Int
    public var pick: PodPick
    /// The container's name; `nil` is the pod's first container.
    public var container: String?
    public var signal: KillSignal

    public init(target: PodTarget, count: Int = 1, pick: PodPick = .random, container: String? = nil, signal: KillSignal = .kill) {
        self.target = target
        self.count = count
        self.pick = pick
        self.container = container
        self.signal = signal
    }
}

/// `freeze`: stop every process of a container through the runtime's pause (the cgroup freezer: the
/// process exists, its sockets accept bytes, nothing answers), for `duration`, then thaw it; verified
/// by the runtime reporting the container paused, then running again.
public struct FreezeAction: Sendable, Hashable, Codable {
    public var target: PodTarget
    public var count: Int
    public var pick: PodPick
    /// The container's name; `nil` is the pod's first container.
    public var container: String?
    public var duration: ScenarioDuration

    public init(target: PodTarget, count: Int = 1, pick: PodPick = .random, container: String? = nil, duration: ScenarioDuration) {
        self.target = target
        self.count = count
        self.pick = pick
        self.container = container
        self.duration = duration
    }
}

/// `stress`: load placed inside a container's own cgroups (stress-ng, run on the node and joined to
/// them before it starts), so it counts against the container's limits as the container's own work
/// would, for `duration`:
/// - `cpu`: `workers` busy workers take the container's CPU time (its CPU limit throttles them and the
///   container alike); landed when the container's cgroup shows their CPU time;
/// - `memory`: `percent` of the container's memory limit held. Up to 100, pressure: landed when the
///   cgroup holds it. Above 100 the limit is breached and the kernel's OOM killer kills the container's
///   process (the stressor is exempt): landed when the kubelet reports the container OOMKilled;
///   `duration` is then the longest wait for the kill.
public struct StressAction: Sendable, Hashable, Codable {
    public enum Resource: String, Sendable, Hashable, Codable, CaseIterable {
        case cpu, memory

        /// The key that sizes the stress, with an example (each resource refuses the other's).
        public var sizeKey: (key: String, example: String) {
            switch self {
            case .cpu: return ("workers", "workers: 2")
            case .memory: return ("percent", "percent: 120")
            }
        }
    }

    public var target: PodTarget
    public var count: Int
    public var pick: PodPick
    /// The container's name; `nil` is the pod's first container.
    public var container: String?
    public var resource: Resource
    /// Busy workers (`cpu` only).
    public var workers: Int?
    /// The share of the container's memory limit held, in percent (`memory` only); above 100 breaches it.
    public var percent: Double?
    public var duration: ScenarioDuration

    public init(target: PodTarget, count: Int = 1, pick: PodPick = .random, container: String? = nil,
                resource: Resource, workers: Int? = nil, percent: Double? = nil, duration: ScenarioDuration) {
        self.target = target
        self.count = count
        self.pick = pick
        self.container = container
        self.resource = resource
        self.workers = workers
        self.percent = percent
        self.duration = duration
    }

    /// Whether the stress breaches the container's memory limit (an OOM kill is the fault).
    public var breachesLimit: Bool { resource == .memory && (percent ?? 0) > 100 }
}

/// `fillVolume`: the filesystem of a pod's PersistentVolume filled to the last block for `duration`
/// (a file of labrun's, written as root), then freed — a disk that runs full under a database. Its
/// writers get ENOSPC while their reads go on. Landed when the filesystem has no block left; undone by
/// removing the file, on success, failure, timeout and Ctrl-C. Only a volume that is a filesystem of
/// its own is filled (the bare cluster's volumes are): filling a directory on the node's disk would
/// fill the node.
public struct FillVolumeAction: Sendable, Hashable, Codable {
    public var target: PodTarget
    public var count: Int
    public var pick: PodPick
    /// The pod's volume (`spec.volumes[].name`, a `persistentVolumeClaim` or a claim template's).
    public var volume: String
    public var duration: ScenarioDuration

    public init(target: PodTarget, count: Int = 1, pick: PodPick = .random, volume: String, duration: ScenarioDuration) {
        self.target = target
        self.count = count
        self.pick = pick
        self.volume = volume
        self.duration = duration
    }
}

/// `nodeFault`: one node fails the way machines fail — it loses power (`stop`) or the network
/// (`cut`) — for `duration`, then comes back (started, healed); verified by the node no longer
/// renewing its lease. The node is named, or is the one carrying most ready pods of a workload
/// among the nodes the provider can fault.
public struct NodeFaultAction: Sendable, Hashable, Codable {
    public enum Mode: String, Sendable, Hashable, Codable, CaseIterable {
        /// A power cut: every process of the node dies, its pods too; `start` after the duration.
        case stop
        /// A partition: every packet to or from the node is dropped; `heal` after the duration.
        case cut
        /// Planned maintenance: cordoned and its pods evicted through the API (PodDisruptionBudgets
        /// honoured); uncordoned after the duration.
        case drain
    }
    public enum NodeTarget: Sendable, Hashable, Codable, CustomStringConvertible {
        case name(String)
        /// The faultable node carrying most ready pods of the target.
        case nodeOf(PodTarget)
        public var description: String {
            switch self {
            case .name(let name): return "node \(name)"
            case .nodeOf(let pods): return "the node of \(pods)"
            }
        }
    }
    public var mode: Mode
    public var node: NodeTarget
    public var duration: ScenarioDuration

    /// The shortest duration: a node's lease is renewed every 10 s, and the fault is verified by
    /// the renewals stopping (`NodeFaultExecutor`).
    public static let minimumSeconds = 20

    public init(mode: Mode, node: NodeTarget, duration: ScenarioDuration) {
        self.mode = mode
        self.node = node
        self.duration = duration
    }
}

/// The signal `killContainer` sends.
public enum KillSignal: String, Sendable, Hashable, Codable, CaseIterable {
    case kill = "KILL", term = "TERM"
}

/// `rollingUpdate`: move a Deployment to another version; verified by a new ReplicaSet / observed generation.
public struct RollingUpdateAction: Sendable, Hashable, Codable {
    public var workload: String
    public var toVersion: String
    /// Whether the action waits for the rollout to finish (default) or returns once it started.
    public var wait: Bool
    /// Environment variables set on the workload's first container with the new version (a
    /// release that also changes configuration, e.g. a broken one); they override `envFrom`.
    public var env: [String: String]

    public init(workload: String, toVersion: String, wait: Bool = true, env: [String: String] = [:]) {
        self.workload = workload
        self.toVersion = toVersion
        self.wait = wait
        self.env = env
    }
}

/// `scale`: set a workload's replicas.
public struct ScaleAction: Sendable, Hashable, Codable {
    public var workload: String
    public var replicas: Int
    /// Whether the action waits for every replica to be ready (default).
    public var wait: Bool

    public init(workload: String, replicas: Int, wait: Bool = true) {
        self.workload = workload
        self.replicas = replicas
        self.wait = wait
    }
}

/// `restartPostgres`: delete the PostgreSQL pod, keeping its volume; verified by a new UID and readiness.
public struct RestartPostgresAction: Sendable, Hashable, Codable {
    /// Forced delete (grace 0), as after a node failure, instead of a clean shutdown.
    public var force: Bool

    public init(force: Bool = false) { self.force = force }
}

/// `restartCluster`: stop the cluster through the provider, keep it down for `downFor`, start it again.
public struct RestartClusterAction: Sendable, Hashable, Codable {
    public var downFor: ScenarioDuration

    public init(downFor: ScenarioDuration = ScenarioDuration(milliseconds: 0)) { self.downFor = downFor }
}

/// `networkFault`: cut, delay or thin out the traffic of a workload's pods for `duration`, then restore it.
public struct NetworkFaultAction: Sendable, Hashable, Codable {
    public var workload: String
    public var mode: NetworkFaultMode
    /// Added latency (mode `delay` only).
    public var delay: ScenarioDuration?
    /// Latency variation (mode `delay` only).
    public var jitter: ScenarioDuration?
    /// The share of packets dropped, in percent, each way (mode `loss` only).
    public var percent: Double?
    public var duration: ScenarioDuration
    public var method: NetworkFaultMethod

    public init(workload: String, mode: NetworkFaultMode, delay: ScenarioDuration? = nil, jitter: ScenarioDuration? = nil,
                percent: Double? = nil, duration: ScenarioDuration, method: NetworkFaultMethod = .auto) {
        self.workload = workload
        self.mode = mode
        self.delay = delay
        self.jitter = jitter
        self.percent = percent
        self.duration = duration
        self.method = method
    }
}

/// What a network fault does: `cut` drops every packet, `delay` delays the ones a pod sends (a userspace
/// queue through iptables' NFQUEUE, `PacketDelayer`: this kernel has no netem), `loss` drops a
/// share of them at random (iptables' `statistic` match, which needs no netem), `dns` drops only
/// name lookups (UDP and TCP port 53) — a DNS outage as the pods see it.
public enum NetworkFaultMode: String, Sendable, Hashable, Codable, CaseIterable {
    case cut, delay, loss, dns

    /// What the mode does, in a few words (for the error that refuses another mode's key).
    public var summary: String {
        switch self {
        case .cut: return "drops every packet"
        case .delay: return "delays every packet"
        case .loss: return "drops a share of the packets"
        case .dns: return "drops name lookups"
        }
    }

    /// The keys that tune a mode; any other mode refuses them.
    public var tuningKeys: [String] {
        switch self {
        case .delay: return ["delay", "jitter"]
        case .loss: return ["percent"]
        case .cut, .dns: return []
        }
    }

    /// The key a mode cannot do without, with an example.
    public var requiredKey: (key: String, example: String)? {
        switch self {
        case .delay: return ("delay", "delay: 200ms")
        case .loss: return ("percent", "percent: 30")
        case .cut, .dns: return nil
        }
    }
}

/// How a network fault is applied.
public enum NetworkFaultMethod: String, Sendable, Hashable, Codable, CaseIterable {
    /// `netem` where the provider gives host access to the pod's network namespace, else `networkPolicy`.
    case auto
    /// iptables inside the pod's network namespace (the name is kept from when a delay used `tc netem`).
    case netem
    /// A deny-all NetworkPolicy (cut only; needs a cluster that enforces policies).
    case networkPolicy
}

/// `wait`: a fixed time, or a condition polled until it holds (bounded by the operation's timeout).
public enum WaitAction: Sendable, Hashable, Codable {
    case duration(ScenarioDuration)
    case condition(WaitCondition)
}

/// Something a `wait` polls for.
public enum WaitCondition: Sendable, Hashable, Codable {
    /// Every desired replica of the workload is ready.
    case workloadReady(String)
    /// The workload's latest rollout has finished.
    case rolloutComplete(String)
    /// An HTTP request answers as expected.
    case http(HTTPCheck)
    /// The workload's replica count within bounds: what an autoscaler (not labrun) decides.
    case replicas(ReplicaBounds)
}

/// `replicas: {workload, atLeast?, atMost?}`: at least `atLeast` pods of the workload Ready, and at most
/// `atMost` pods of it left (terminating ones counted until they are gone) — at least one bound.
public struct ReplicaBounds: Sendable, Hashable, Codable {
    public var workload: String
    public var atLeast: Int?
    public var atMost: Int?

    public init(workload: String, atLeast: Int? = nil, atMost: Int? = nil) {
        self.workload = workload
        self.atLeast = atLeast
        self.atMost = atMost
    }

    /// Why `ready` Ready pods of `present` pods do not meet the bounds, or nil when they do.
    public func unmet(ready: Int, present: Int) -> String? {
        var missing: [String] = []
        if let atLeast, ready < atLeast { missing.append("\(ready) ready, wanted at least \(atLeast)") }
        if let atMost, present > atMost { missing.append("\(present) pods, wanted at most \(atMost)") }
        return missing.isEmpty ? nil : missing.joined(separator: "; ")
    }

    /// "4 or more ready", "at most 3", "between 4 and 6".
    public var wanted: String {
        switch (atLeast, atMost) {
        case let (low?, high?): return "\(low) to \(high) replicas"
        case let (low?, nil): return "at least \(low) ready replicas"
        case let (nil, high?): return "at most \(high) replicas"
        default: return "any number of replicas"
        }
    }
}

/// `http` action: a request to the stack, sent `repeat` times; `{{i}}` in the path, headers and string
/// values of the body is replaced by the repetition number (1…repeat).
public struct HTTPAction: Sendable, Hashable, Codable {
    public var request: HTTPRequestSpec
    public var expectStatus: [Int]
    public var repeatCount: Int

    public init(request: HTTPRequestSpec, expectStatus: [Int] = [], repeatCount: Int = 1) {
        self.request = request
        self.expectStatus = expectStatus
        self.repeatCount = repeatCount
    }
}

/// `collectDiagnostics`: save logs and events of matching pods.
public struct CollectDiagnosticsAction: Sendable, Hashable, Codable {
    public var target: PodTarget?
    public var logs: Bool
    public var events: Bool

    public init(target: PodTarget? = nil, logs: Bool = true, events: Bool = true) {
        self.target = target
        self.logs = logs
        self.events = events
    }
}
