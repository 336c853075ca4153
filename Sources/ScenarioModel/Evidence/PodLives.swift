import Foundation

/// One change in a pod's life, as the run's watch saw it (issue 12: the pods' lives as evidence).
public struct PodLifeEvent: Sendable, Hashable, Codable {
    /// Seconds since the run started, when the watch delivered the change.
    public var at: Double
    public var pod: String
    /// The stack's workload the pod belongs to (from its owner), when it belongs to one.
    public var workload: String?
    /// The container the change is about (`started`, `restarted`, `terminated`, `waiting`), if any.
    public var container: String?
    public var change: PodChange
    /// One line for people: the node, the exit code and what it means, the event's message.
    public var detail: String
    /// For `terminated` and `restarted`: how the container ended.
    public var termination: ContainerTermination?

    public init(at: Double, pod: String, workload: String? = nil, container: String? = nil, change: PodChange, detail: String = "",
                termination: ContainerTermination? = nil) {
        self.at = at
        self.pod = pod
        self.workload = workload
        self.container = container
        self.change = change
        self.detail = detail
        self.termination = termination
    }
}

/// The kinds of change a pod goes through.
public enum PodChange: String, Sendable, Hashable, Codable, CaseIterable {
    case created, scheduled, ready, notReady, started, restarted, terminated, waiting, deleting, evicted, deleted
    /// A Kubernetes Event about the pod (`detail` holds its type, reason and message).
    case event
}

/// How a container ended: its exit code, the signal and the kubelet's reason.
public struct ContainerTermination: Sendable, Hashable, Codable {
    public var exitCode: Int?
    public var signal: Int?
    /// The kubelet's reason: `Completed`, `Error`, `OOMKilled`, `ContainerCannotRun`…
    public var reason: String?
    /// Whether the pod was being deleted when the container ended (a termination labrun or a rollout asked for).
    public var duringDeletion: Bool

    public init(exitCode: Int? = nil, signal: Int? = nil, reason: String? = nil, duringDeletion: Bool = false) {
        self.exitCode = exitCode
        self.signal = signal
        self.reason = reason
        self.duringDeletion = duringDeletion
    }

    /// The container was killed rather than exiting by itself: the OOM killer, or SIGKILL (137) — after
    /// the grace period when the pod was being deleted.
    public var wasKilled: Bool { reason == "OOMKilled" || exitCode == 137 || signal == 9 }

    /// What the ending means, for people.
    public var meaning: String {
        if reason == "OOMKilled" { return "killed by the out-of-memory killer (OOMKilled)" }
        switch exitCode {
        case 0?: return duringDeletion ? "exited by itself on SIGTERM (exit 0)" : "exited (exit 0, \(reason ?? "Completed"))"
        case 137?: return duringDeletion ? "killed with SIGKILL at the end of its grace period (exit 137)"
                                         : "killed with SIGKILL (exit 137)"
        case 143?: return "ended by SIGTERM without handling it (exit 143)"
        case let code?: return "exited with code \(code)" + (reason.map { " (\($0))" } ?? "")
        case nil: return reason ?? "ended"
        }
    }
}

/// What the watch knows of a pod at one moment (from the API server's Pod object).
public struct PodSnapshot: Sendable, Hashable {
    public var name: String
    public var uid: String
    /// The stack's workload it belongs to, if any.
    public var workload: String?
    public var node: String?
    public var phase: String?
    public var ready: Bool
    public var deleting: Bool
    public var gracePeriod: Int?
    /// `status.reason` (`Evicted`) and `status.message`.
    public var reason: String?
    public var message: String?
    public var containers: [ContainerSnapshot]

    public init(name: String, uid: String, workload: String? = nil, node: String? = nil, phase: String? = nil, ready: Bool = false, deleting: Bool = false,
                gracePeriod: Int? = nil, reason: String? = nil, message: String? = nil, containers: [ContainerSnapshot] = []) {
        self.name = name
        self.uid = uid
        self.workload = workload
        self.node = node
        self.phase = phase
        self.ready = ready
        self.deleting = deleting
        self.gracePeriod = gracePeriod
        self.reason = reason
        self.message = message
        self.containers = containers
    }
}

/// One container of a `PodSnapshot`.
public struct ContainerSnapshot: Sendable, Hashable {
    public var name: String
    public var restarts: Int
    public var running: Bool
    public var waitingReason: String?
    /// The current state's termination, when the container is terminated now.
    public var terminated: ContainerTermination?
    /// `lastState.terminated`: how the previous instance ended (after a restart).
    public var lastTerminated: ContainerTermination?

    public init(name: String, restarts: Int = 0, running: Bool = false, waitingReason: String? = nil,
                terminated: ContainerTermination? = nil, lastTerminated: ContainerTermination? = nil) {
        self.name = name
        self.restarts = restarts
        self.running = running
        self.waitingReason = waitingReason
        self.terminated = terminated
        self.lastTerminated = lastTerminated
    }
}

/// Turns successive snapshots of a namespace's pods into the changes of each pod's life.
///
/// Pure: the watch feeds it what the API server sent, in order; it remembers the last snapshot of
/// each pod (by UID, so a StatefulSet's new `postgres-0` is a new life) and returns what changed.
public struct PodLives: Sendable {
    private var last: [String: PodSnapshot] = [:]
    /// When each pod's deletion began (run clock) and its grace period then, by UID (the kubelet sets the
    /// grace period to 0 when it finalises the deletion, so the last snapshot does not have it).
    private var deletionStarted: [String: (at: Double, grace: Int?)] = [:]

    public init() {}

    /// The changes from the pod's previous snapshot (none seen: it was created) to `pod`.
    public mutating func observe(_ pod: PodSnapshot, at time: Double) -> [PodLifeEvent] {
        let before = last[pod.uid]
        last[pod.uid] = pod
        var changes: [PodLifeEvent] = []
        func add(_ change: PodChange, _ detail: String, container: String? = nil, termination: ContainerTermination? = nil) {
            changes.append(PodLifeEvent(at: time, pod: pod.name, workload: pod.workload, container: container, change: change,
                                        detail: detail, termination: termination))
        }
        if before == nil { add(.created, pod.phase.map { "phase \($0)" } ?? "") }
        if let node = pod.node, before?.node != node { add(.scheduled, "on node \(node)") }
        if pod.deleting && before?.deleting != true {
            deletionStarted[pod.uid] = (time, pod.gracePeriod)
            add(.deleting, pod.gracePeriod.map { "grace period \($0)s" } ?? "")
        }
        if pod.reason == "Evicted" && before?.reason != "Evicted" { add(.evicted, pod.message ?? "") }
        for container in pod.containers {
            let previous = before?.containers.first { $0.name == container.name }
            if container.restarts > (previous?.restarts ?? 0) {
                var ending = container.lastTerminated
                ending?.duringDeletion = false
                add(.restarted, "restart \(container.restarts)" + (ending.map { ": the previous instance \($0.meaning)" } ?? ""),
                    container: container.name, termination: ending)
            }
            if container.running && previous?.running != true {
                add(.started, container.restarts > 0 ? "running again (restart \(container.restarts))" : "running", container: container.name)
            }
            if var ending = container.terminated, previous?.terminated == nil {
                ending.duringDeletion = pod.deleting
                add(.terminated, ending.meaning, container: container.name, termination: ending)
            }
            if let reason = container.waitingReason, reason != previous?.waitingReason, reason != "ContainerCreating" {
                add(.waiting, reason, container: container.name)
            }
        }
        if pod.ready != (before?.ready ?? false) {
            if pod.ready {
                add(.ready, "")
            } else if before != nil {
                let unready = pod.containers.filter { !$0.running }.map(\.name)
                add(.notReady, pod.deleting ? "being deleted" : (unready.isEmpty ? "readiness probe failing" : "not running: \(unready.joined(separator: ", "))"))
            }
        }
        return changes
    }

    /// The pod was deleted from the API (the watch's DELETED event).
    public mutating func deleted(_ pod: PodSnapshot, at time: Double) -> [PodLifeEvent] {
        var changes = observe(pod, at: time)
        last[pod.uid] = nil
        var detail = ""
        if let began = deletionStarted.removeValue(forKey: pod.uid) {
            let took = time - began.at
            detail = String(format: "%.1fs after its deletion began", took)
            if let grace = began.grace {
                detail += " (grace period \(grace)s)"
                // The kubelet kills what still runs when the grace period ends, and the object goes some time
                // after the containers stop; so a late deletion is reported as a fact, not as a kill.
                if took > Double(grace) + 2 { detail += ", past its grace period" }
            }
        }
        changes.append(PodLifeEvent(at: time, pod: pod.name, workload: pod.workload, change: .deleted, detail: detail))
        return changes
    }
}
