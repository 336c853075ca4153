import ScenarioModel
import Testing

/// Causes read from the evidence (issue 12, item 3): the state of the pod behind each failed answer.
struct EvidenceDiagnosisTests {
    static func answer(_ at: Double, _ code: Int, by pod: String?) -> RequestRecord {
        RequestRecord(sequence: Int(at * 100), operation: LoadOperation("list"), intended: at, start: at, end: at + 0.01,
                      outcome: .status(code), servedBy: pod)
    }

    static let lives: [PodLifeEvent] = [
        PodLifeEvent(at: 1, pod: "v2-a", change: .created),
        PodLifeEvent(at: 3, pod: "v2-a", change: .ready),
        PodLifeEvent(at: 1, pod: "v1-b", change: .created),
        PodLifeEvent(at: 2, pod: "v1-b", change: .ready),
        PodLifeEvent(at: 20, pod: "v1-b", change: .deleting, detail: "grace period 30s"),
        PodLifeEvent(at: 40, pod: "v1-b", change: .deleted),
    ]

    @Test func failedAnswersFromReadyPodsSayTheProbeChecksTooLittle() {
        let records = (0..<30).map { Self.answer(4 + Double($0) * 0.1, 503, by: "v2-a") } + [Self.answer(5, 200, by: "v1-b")]
        let causes = EvidenceDiagnosis.causes(records: records, pods: Self.lives)
        #expect(causes == ["30 of 30 failed answers came from pods the cluster counted as Ready at that moment (v2-a 30): "
                           + "their readiness probe passes while requests fail, so it does not check what requests need"])
    }

    /// A pod whose probe noticed the failure and took it out is not blamed: the failures came before the probe could see them.
    @Test func failuresThatTheProbeSoonNoticedNameNoProbe() {
        let lives = Self.lives + [PodLifeEvent(at: 12, pod: "v2-a", change: .notReady)]
        let records = (0..<30).map { Self.answer(4 + Double($0) * 0.1, 503, by: "v2-a") }
        #expect(EvidenceDiagnosis.causes(records: records, pods: lives).isEmpty)
    }

    @Test func failedAnswersFromDeletingPodsSayTheyTookRequestsWhileShuttingDown() {
        let records = (0..<12).map { Self.answer(21 + Double($0), 502, by: "v1-b") }
        let causes = EvidenceDiagnosis.causes(records: records, pods: Self.lives)
        #expect(causes.count == 1 && causes[0].hasPrefix("12 of 12 failed answers came from pods already being deleted (v1-b 12)"))
    }

    @Test func aFewErrorsOrNoEvidenceNameNoCause() {
        let few = (0..<9).map { Self.answer(4 + Double($0), 500, by: "v2-a") }
        #expect(EvidenceDiagnosis.causes(records: few, pods: Self.lives).isEmpty)
        let unanswered = (0..<50).map { RequestRecord(sequence: $0, operation: LoadOperation("list"), intended: 5, start: 5, end: 6,
                                                       outcome: .connection("refused")) }
        #expect(EvidenceDiagnosis.causes(records: unanswered, pods: Self.lives).isEmpty)
        // Before a pod was ever ready its answers are not blamed on its probe.
        let early = (0..<20).map { _ in Self.answer(1.5, 503, by: "v2-a") }
        #expect(EvidenceDiagnosis.causes(records: early, pods: Self.lives).isEmpty)
        #expect(EvidenceDiagnosis.causes(records: few + few + few, pods: []).isEmpty)
    }

    /// As chaos-bad-rollout with a readiness probe that never touches the database: the new release's
    /// pods turn Ready, requests time out (no answer, no serving pod) while they are Ready, and stop when they go.
    @Test func timeoutsThatFollowAPodsReadyTimeNameItsProbe() {
        let lives = Self.lives + [
            PodLifeEvent(at: 10, pod: "v2-c", change: .created),
            PodLifeEvent(at: 12, pod: "v2-c", change: .ready),
            PodLifeEvent(at: 30, pod: "v2-c", change: .deleting),
        ]
        var records: [RequestRecord] = []
        for tick in 0..<400 {
            let at = Double(tick) * 0.1   // 0 … 40 s, ten a second
            let timedOut = at >= 12 && at < 30 && tick % 2 == 0   // half of them while v2-c is Ready
            records.append(RequestRecord(sequence: tick, operation: LoadOperation("list"), intended: at, start: at, end: at + 5,
                                         outcome: timedOut ? .timeout : .status(200), servedBy: timedOut ? nil : "v1-b"))
        }
        let causes = EvidenceDiagnosis.causes(records: records, pods: lives)
        #expect(causes == ["90 of 90 requests that got no answer were sent while v2-c was counted as Ready at that moment, and almost "
                           + "none while it was not: pods the cluster called Ready could not serve, so their readiness probe does not "
                           + "check what requests need"], "\(causes)")
    }

    @Test func anOutOfMemoryKillIsNamed() {
        let oom = PodLifeEvent(at: 9, pod: "backend-x", container: "api", change: .terminated, detail: "",
                               termination: ContainerTermination(exitCode: 137, reason: "OOMKilled"))
        let causes = EvidenceDiagnosis.causes(records: [RequestRecord](), pods: Self.lives + [oom])
        #expect(causes == ["the out-of-memory killer ended 1 container instance(s) (backend-x/api): their memory limit is too low for the load"])
    }

    /// As db-persistence-restart with a backend that never reconnects: the database pod is replaced and Ready
    /// again, the backend's pods fail readiness and never pass it again.
    @Test func aWorkloadThatStaysDownAfterItsDependencyReturnsIsNamed() {
        func life(_ at: Double, _ pod: String, _ workload: String, _ change: PodChange) -> PodLifeEvent {
            PodLifeEvent(at: at, pod: pod, workload: workload, change: change)
        }
        let deploy = [life(0, "postgres-0", "postgres", .created), life(4, "postgres-0", "postgres", .ready),
                      life(0, "backend-a", "backend", .created), life(6, "backend-a", "backend", .ready),
                      life(0, "backend-b", "backend", .created), life(7, "backend-b", "backend", .ready)]
        let restart = [life(30, "postgres-0", "postgres", .deleting), life(31, "postgres-0", "postgres", .deleted),
                       life(38, "backend-a", "backend", .notReady), life(39, "backend-b", "backend", .notReady),
                       life(50, "postgres-0", "postgres", .created), life(55, "postgres-0", "postgres", .ready)]
        let causes = EvidenceDiagnosis.causes(records: [], pods: deploy + restart)
        #expect(causes == ["no pod of backend has been Ready since 39.0 s although postgres, which had gone away, is Ready again "
                           + "since 55.0 s: backend does not recover by itself once postgres returns (a connection pool that "
                           + "never reconnects, or a dependency checked only at start-up)"])
        // A backend that comes back, or one that was never Ready (a failed deploy), is not named.
        #expect(EvidenceDiagnosis.causes(records: [], pods: deploy + restart + [life(60, "backend-a", "backend", .ready)]).isEmpty)
        #expect(EvidenceDiagnosis.causes(records: [], pods: deploy.filter { $0.workload == "postgres" } + restart
            + [life(0, "backend-c", "backend", .created)]).isEmpty)
    }
}
