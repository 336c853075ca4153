import Foundation
import ScenarioModel

/// Realistic results for the report tests.
enum ReportFixtures {
    static let started = Date(timeIntervalSince1970: 1_800_000_000)

    /// A rolling update from v1 to v2 under 30 req/s, with a pod killed halfway: errors spike, then recovery.
    static func rollingUpdate() -> ScenarioResult {
        var series: [LoadSecond] = []
        for second in 0..<120 {
            let sent = 30 + (second % 7 == 3 ? 1 : 0) - (second % 11 == 5 ? 1 : 0)
            let spike: [Int: Int] = [50: 9, 51: 14, 52: 7, 53: 3, 54: 1]
            let errors = spike[second] ?? 0
            let p50 = 0.012 + Double(second % 5) * 0.0004 + (spike[second] != nil ? 0.03 : 0)
            var p99 = 0.045 + Double(second % 3) * 0.004
            if let e = spike[second] { p99 = 0.25 + Double(e) * 0.12 }
            if (31...46).contains(second) { p99 += 0.02 }
            // v2 replaces v1 from second 34 to 46.
            let v2Share = second < 34 ? 0 : second >= 46 ? 1 : Double(second - 33) / 13
            let answered = sent - errors
            let v2 = Int((Double(answered) * v2Share).rounded())
            var versions: [String: Int] = [:]
            if answered - v2 > 0 { versions["v1"] = answered - v2 }
            if v2 > 0 { versions["v2"] = v2 }
            series.append(LoadSecond(second: second, sent: sent, errors: errors, p50: p50, p99: p99, versions: versions))
        }
        let timeline: [TimelineEvent] = [
            TimelineEvent(at: 0, kind: .phase, subject: "before"),
            TimelineEvent(at: 30, kind: .phase, subject: "during"),
            TimelineEvent(at: 30, kind: .stepStarted, subject: "rolling update to v2"),
            TimelineEvent(at: 30.2, kind: .action, subject: "rollout v2", detail: "image labrun/todo-backend:v2"),
            TimelineEvent(at: 31.0, kind: .faultLanded, subject: "rollout started", detail: "new ReplicaSet backend-6f9c"),
            TimelineEvent(at: 31.4, kind: .pod, subject: "backend-6f9c-a1", detail: "Scheduled"),
            TimelineEvent(at: 33.0, kind: .pod, subject: "backend-6f9c-a1", detail: "Ready"),
            TimelineEvent(at: 35.1, kind: .pod, subject: "backend-58d7-x1", detail: "Killing"),
            TimelineEvent(at: 39.0, kind: .pod, subject: "backend-6f9c-b2", detail: "Ready"),
            TimelineEvent(at: 41.2, kind: .pod, subject: "backend-58d7-x2", detail: "Killing"),
            TimelineEvent(at: 45.0, kind: .pod, subject: "backend-6f9c-c3", detail: "Ready"),
            TimelineEvent(at: 46.5, kind: .recovered, subject: "rollout complete", detail: "3/3 replicas on v2"),
            TimelineEvent(at: 47, kind: .stepFinished, subject: "rolling update to v2"),
            TimelineEvent(at: 50, kind: .action, subject: "kill backend pod", detail: "delete backend-6f9c-b2"),
            TimelineEvent(at: 50.4, kind: .faultLanded, subject: "pod replaced", detail: "backend-6f9c-b2 gone, UID changed"),
            TimelineEvent(at: 50.3, kind: .pod, subject: "backend-6f9c-b2", detail: "Killing"),
            TimelineEvent(at: 51.0, kind: .pod, subject: "backend-6f9c-d4", detail: "Scheduled"),
            TimelineEvent(at: 54.0, kind: .phase, subject: "recovery"),
            TimelineEvent(at: 55.6, kind: .pod, subject: "backend-6f9c-d4", detail: "Ready"),
            TimelineEvent(at: 58.2, kind: .recovered, subject: "replicas ready", detail: "3/3 ready, first success after 7.8s"),
            TimelineEvent(at: 80, kind: .phase, subject: "after"),
            TimelineEvent(at: 120.5, kind: .phase, subject: "cleanup"),
        ]
        return ScenarioResult(
            scenario: "chaos-rolling-update",
            description: "Roll the backend from v1 to v2 under load, then kill a pod; no acknowledged write may be lost.",
            namespace: "labrun-chaos-rolling-update-7f3a", provider: "bare", startedAt: started,
            durationSeconds: 124.6, verdict: .failed,
            steadyStateBefore: [
                .passed("backend ready", kind: "http", "GET /readyz → 200 in 4ms"),
                .passed("tasks table reachable", kind: "sql", "SELECT count(*) FROM tasks → 1 row"),
            ],
            steadyStateAfter: [
                .passed("backend ready", kind: "http", "GET /readyz → 200 in 5ms"),
                AssertionResult(name: "frontend ready", kind: "http", verdict: .skipped,
                                message: "Skipped: the frontend is not deployed in this setup."),
            ],
            steps: [
                StepResult(name: "rolling update to v2", verdict: .passed, start: 30, end: 47, operations: [
                    OperationResult(block: "try", action: "rollout", verdict: .passed, start: 30, end: 46.5, faultLandedAt: 31),
                ]),
                StepResult(name: "kill backend pod", verdict: .passed, start: 50, end: 58.2, operations: [
                    OperationResult(block: "try", action: "deletePod", verdict: .passed, start: 50, end: 50.2, faultLandedAt: 50.4),
                    OperationResult(block: "try", action: "waitReady", verdict: .passed, start: 50.2, end: 58.2),
                ]),
                StepResult(name: "let it settle", verdict: .passed, start: 58.2, end: 80, operations: [
                    OperationResult(block: "try", action: "wait", verdict: .passed, start: 58.2, end: 80),
                ]),
            ],
            assertions: [
                .failed("error rate during the rollout", kind: "slo",
                        "error rate 2.28% during > 1% allowed", details: [
                            "34 of 1491 requests failed:", "  status 503: 21", "  connection: 13",
                        ], measured: ["errorRate": 0.0228, "p99": 1.93]),
                .passed("p99 after", kind: "slo", "p99 52ms after ≤ 250ms", measured: ["p99": 0.052]),
                .passed("no lost writes", kind: "writeLedger", "0 of 412 acknowledged writes lost, 0 duplicated",
                        measured: ["lost": 0, "duplicated": 0, "acknowledged": 412]),
                .passed("versions during rollout", kind: "versionAccounting",
                        "v1 then v2 only; overlap 12s", details: ["version  first   last    answers", "v1       +0s     +45s    1140", "v2       +34s    +120s   2361"]),
                .failed("rows after restart", kind: "sql", "2 rows differ from the expected",
                        details: ["--- expected", "+++ actual", "- id=7 title=<buy milk & eggs> done=false",
                                  "+ id=7 title=<buy milk & eggs> done=true", "+ id=9 title=\"stray\u{1B}[31m\u{07}bell\" done=false"]),
                .passed("recovers within 20s", kind: "recovery", "recovered in 7.8s ≤ 20s", measured: ["recoverySeconds": 7.8]),
            ],
            phases: [
                PhaseStats(phase: .before, start: 0, end: 30, count: 902, succeeded: 902, errors: 0, errorRate: 0,
                           throughput: 30.07, offeredRate: 30.07, p50: 0.0128, p95: 0.031, p99: 0.048, max: 0.061,
                           servingPods: ["backend-58d7-x1": 451, "backend-58d7-x2": 451], versions: ["v1": 902]),
                PhaseStats(phase: .during, start: 30, end: 80, count: 1491, succeeded: 1457, errors: 34, errorRate: 0.0228,
                           throughput: 29.14, offeredRate: 29.82, p50: 0.0141, p95: 0.21, p99: 1.93, max: 2.02,
                           errorsByKind: ["status 503": 21, "connection": 13], versions: ["v1": 238, "v2": 1219]),
                PhaseStats(phase: .after, start: 80, end: 120, count: 1201, succeeded: 1201, errors: 0, errorRate: 0,
                           throughput: 30.03, offeredRate: 30.03, p50: 0.0125, p95: 0.033, p99: 0.052, max: 0.07,
                           versions: ["v2": 1201]),
            ],
            series: series, timeline: timeline,
            cleanup: [
                OperationResult(block: "cleanup", action: "deleteNamespace", verdict: .passed, start: 120.5, end: 124.5),
            ],
            artifacts: ["chaos-rolling-update/pods/backend-6f9c-b2.log", "chaos-rolling-update/events.txt"],
            targetRate: 30)
    }

    /// A short, clean pod kill.
    static func podKill() -> ScenarioResult {
        ScenarioResult(
            scenario: "chaos-pod-kill", description: "Kill a backend pod.", namespace: "labrun-chaos-pod-kill-1a2b",
            provider: "bare", startedAt: started.addingTimeInterval(200), durationSeconds: 61.2, verdict: .passed,
            steadyStateBefore: [.passed("backend ready", kind: "http", "GET /readyz → 200")],
            steps: [StepResult(name: "kill", verdict: .passed, start: 20, end: 27.5)],
            assertions: [.passed("recovers", kind: "recovery", "recovered in 6.1s ≤ 30s")],
            series: (0..<60).map { LoadSecond(second: $0, sent: 20, errors: 0, p50: 0.01, p99: 0.03, versions: ["dev": 20]) },
            timeline: [TimelineEvent(at: 20.3, kind: .faultLanded, subject: "kill", detail: "pod replaced")],
            targetRate: 20,
            calibration: CapacityMeasurement(capacity: 21.1, concurrency: 4, start: -10, seconds: 10, requests: 213, succeeded: 211,
                                             succeededInWindow: 211, errorsByKind: ["status 503": 2], percentOfCapacity: 95, rate: 20))
    }

    /// A run stopped by an error before its steps ran.
    static func aborted() -> ScenarioResult {
        ScenarioResult(
            scenario: "db-persistence-restart", provider: "bare", startedAt: started.addingTimeInterval(400),
            durationSeconds: 12, verdict: .error, abortReason: "The steady state did not hold before the run: postgres-0 is not ready.",
            steadyStateBefore: [AssertionResult(name: "postgres ready", kind: "k8s", verdict: .error,
                                                message: "Could not read pod postgres-0: connection refused.")],
            steps: [StepResult(name: "restart postgres", verdict: .skipped, start: 0, end: 0,
                               message: "Skipped: the steady state did not hold.")],
            assertions: [AssertionResult(name: "rows survive", kind: "sql", verdict: .skipped,
                                         message: "Skipped: the steps did not run.")])
    }

    static var all: [ScenarioResult] { [rollingUpdate(), podKill(), aborted()] }
}
