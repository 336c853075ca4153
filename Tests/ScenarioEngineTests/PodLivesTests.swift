import ScenarioModel
import Testing

/// The pods' lives from successive snapshots (issue 12): every change once, in order, by pod UID.
struct PodLivesTests {
    static func backend(uid: String = "u1", node: String? = "n1", ready: Bool = false, deleting: Bool = false,
                        _ container: ContainerSnapshot) -> PodSnapshot {
        PodSnapshot(name: "backend-1", uid: uid, node: node, phase: "Running", ready: ready, deleting: deleting,
                    gracePeriod: deleting ? 30 : nil, containers: [container])
    }

    @Test func aPodsLifeFromCreationToDeletion() {
        var lives = PodLives()
        var seen: [String] = []
        func feed(_ snapshot: PodSnapshot, deleted: Bool = false) {
            let changes = deleted ? lives.deleted(snapshot, at: 12) : lives.observe(snapshot, at: 0)
            seen += changes.map { [$0.container, $0.change.rawValue, $0.detail].compactMap { $0 }.filter { !$0.isEmpty }.joined(separator: " ") }
        }
        feed(PodSnapshot(name: "backend-1", uid: "u1", phase: "Pending"))
        feed(Self.backend(ContainerSnapshot(name: "api", waitingReason: "ContainerCreating")))
        feed(Self.backend(ContainerSnapshot(name: "api", running: true)))
        feed(Self.backend(ready: true, ContainerSnapshot(name: "api", running: true)))
        feed(Self.backend(ready: true, ContainerSnapshot(name: "api", running: true)))   // nothing changed
        // killed: the kubelet restarts it; lastState says how the previous instance ended
        feed(Self.backend(ready: false, ContainerSnapshot(name: "api", restarts: 1, running: true,
                                                          lastTerminated: ContainerTermination(exitCode: 137, reason: "Error"))))
        feed(Self.backend(ready: true, ContainerSnapshot(name: "api", restarts: 1, running: true)))
        feed(Self.backend(ready: false, deleting: true, ContainerSnapshot(name: "api", restarts: 1, running: true)))
        let exited = Self.backend(deleting: true, ContainerSnapshot(name: "api", restarts: 1,
                                                                    terminated: ContainerTermination(exitCode: 0, reason: "Completed")))
        feed(exited)
        feed(exited, deleted: true)
        #expect(seen == [
            "created phase Pending",
            "scheduled on node n1",
            "api started running",
            "ready",
            "api restarted restart 1: the previous instance killed with SIGKILL (exit 137)",
            "notReady readiness probe failing",
            "ready",
            "deleting grace period 30s",
            "notReady being deleted",
            "api terminated exited by itself on SIGTERM (exit 0)",
            "deleted 12.0s after its deletion began (grace period 30s)",
        ])
    }

    @Test func aPodDeletedWellPastItsGracePeriodIsSaidToBe() {
        var lives = PodLives()
        let pod = PodSnapshot(name: "backend-2", uid: "k", ready: true, deleting: true, gracePeriod: 30,
                              containers: [ContainerSnapshot(name: "api", running: true)])
        _ = lives.observe(PodSnapshot(name: "backend-2", uid: "k", ready: true, containers: [ContainerSnapshot(name: "api", running: true)]), at: 10)
        _ = lives.observe(pod, at: 11)
        var gone = pod
        gone.gracePeriod = 0   // the kubelet zeroes it when it finalises the deletion
        #expect(lives.deleted(gone, at: 51.5).last?.detail
                == "40.5s after its deletion began (grace period 30s), past its grace period")
    }

    @Test func aNewPodUnderTheSameNameIsANewLife() {
        var lives = PodLives()
        _ = lives.observe(PodSnapshot(name: "postgres-0", uid: "a"), at: 0)
        _ = lives.deleted(PodSnapshot(name: "postgres-0", uid: "a"), at: 1)
        #expect(lives.observe(PodSnapshot(name: "postgres-0", uid: "b"), at: 2).map(\.change) == [.created])
    }

    @Test func terminationsSayWhatTheyMean() {
        #expect(ContainerTermination(exitCode: 137, reason: "Error", duringDeletion: true).meaning
                == "killed with SIGKILL at the end of its grace period (exit 137)")
        #expect(ContainerTermination(exitCode: 137, reason: "OOMKilled").meaning == "killed by the out-of-memory killer (OOMKilled)")
        #expect(ContainerTermination(exitCode: 143, reason: "Error").meaning == "ended by SIGTERM without handling it (exit 143)")
        #expect(ContainerTermination(exitCode: 2, reason: "Error").meaning == "exited with code 2 (Error)")
        #expect(ContainerTermination(exitCode: 137).wasKilled && !ContainerTermination(exitCode: 0).wasKilled)
        var lives = PodLives()
        _ = lives.observe(PodSnapshot(name: "w", uid: "1"), at: 0)
        let evicted = lives.observe(PodSnapshot(name: "w", uid: "1", phase: "Failed", reason: "Evicted",
                                                message: "The node was low on resource: memory."), at: 1)
        #expect(evicted.map(\.change) == [.evicted] && evicted.first?.detail == "The node was low on resource: memory.")
        let crashing = lives.observe(PodSnapshot(name: "w", uid: "1", phase: "Failed", reason: "Evicted",
                                                 containers: [ContainerSnapshot(name: "c", waitingReason: "CrashLoopBackOff")]), at: 2)
        #expect(crashing.map(\.change) == [.waiting] && crashing.first?.detail == "CrashLoopBackOff")
    }
}
