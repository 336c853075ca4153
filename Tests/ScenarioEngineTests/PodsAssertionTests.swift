import Testing
@testable import ScenarioEngine
@testable import ScenarioModel

/// The `pods` assertion: conditions that must hold at every moment of a window (issue 12, item 1).
struct PodsAssertionTests {
    static func event(_ at: Double, _ pod: String, _ change: PodChange, workload: String = "backend", container: String? = nil,
                      termination: ContainerTermination? = nil) -> PodLifeEvent {
        PodLifeEvent(at: at, pod: pod, workload: workload, container: container, change: change, termination: termination)
    }

    /// A rollout of three replicas: b-1 goes before its successor is ready, so for 2 s only two are ready.
    static let rollout: [PodLifeEvent] = [
        event(1, "b-1", .ready), event(1, "b-2", .ready), event(1, "b-3", .ready), event(1, "pg-0", .ready, workload: "postgres"),
        event(10, "b-4", .created), event(12, "b-1", .deleting), event(14, "b-4", .ready),
        event(15, "b-5", .created), event(18, "b-5", .ready), event(18, "b-2", .deleting),
        event(19, "b-2", .terminated, container: "api", termination: ContainerTermination(exitCode: 0, duringDeletion: true)),
        event(20, "b-3", .restarted, container: "api", termination: ContainerTermination(exitCode: 137, reason: "Error")),
    ]

    @Test func aDipBelowTheReadyFloorInsideTheWindowFailsAndSaysWhen() {
        let spec = PodsAssertion(workload: "backend", during: "roll", readyAtLeast: 3)
        let result = PodsEvaluator.evaluate(spec, name: "never below 3", pods: Self.rollout, window: 5...25, windowName: "step roll")
        #expect(result.verdict == .failed)
        #expect(result.message == "broke during step roll (5.0–25.0 s): ready pods of backend fell to 2 (needs 3 at every moment), "
                + "first at 12.0 s; ready then: b-2, b-3")
        #expect(result.measured["lowestReady"] == 2)
        // Outside the dip it holds; another workload's pods do not count.
        #expect(PodsEvaluator.evaluate(spec, name: "n", pods: Self.rollout, window: 1...11, windowName: "w").verdict == .passed)
        #expect(PodsEvaluator.evaluate(PodsAssertion(workload: "postgres", readyAtLeast: 1), name: "n", pods: Self.rollout,
                                       window: 1...30, windowName: "w").verdict == .passed)
    }

    @Test func restartsAndKillsInTheWindowAreCountedWithWhoAndWhen() {
        let restarts = PodsEvaluator.evaluate(PodsAssertion(workload: "backend", maxRestarts: 0), name: "n", pods: Self.rollout,
                                              window: 5...25, windowName: "w")
        #expect(restarts.verdict == .failed && restarts.message.contains("1 container restart(s) of backend, at most 0 allowed: b-3/api at 20.0 s"))
        let exits = PodsEvaluator.evaluate(PodsAssertion(workload: "backend", exitedByThemselves: true), name: "n", pods: Self.rollout,
                                           window: 5...25, windowName: "w")
        #expect(exits.verdict == .failed && exits.message.contains("b-3/api at 20.0 s: killed with SIGKILL (exit 137)"))
        let clean = PodsEvaluator.evaluate(PodsAssertion(workload: "backend", exitedByThemselves: true), name: "n", pods: Self.rollout,
                                           window: 5...19.5, windowName: "w")
        #expect(clean.verdict == .passed && clean.details == ["1 container(s) of backend ended, none killed"])
    }

    @Test func withoutAnyPodLifeTheAssertionCannotBeJudged() {
        let result = PodsEvaluator.evaluate(PodsAssertion(workload: "backend", readyAtLeast: 1), name: "n", pods: [],
                                            window: 0...1, windowName: "w")
        #expect(result.verdict == .error)
    }

    static let header = "apiVersion: labrun.dev/v1alpha1\nkind: Scenario\nmetadata:\n  name: x\n  description: d\n"
        + "steps:\n  - name: roll\n    action:\n      wait: 1s\n"

    @Test func theParserTakesAPhaseOrAStepAndNeedsACondition() throws {
        let good = Self.header + "assertions:\n  - pods: {workload: backend, during: roll, readyAtLeast: 3, maxRestarts: 0}\n"
            + "  - pods: {workload: postgres, during: after, exitedByThemselves: true}\n"
        guard case .success(let scenario) = ScenarioParser(stack: TestStacks.todo).parse(yaml: good, file: "scenarios/x.yaml", expectedName: "x")
        else { Issue.record("rejected"); return }
        #expect(scenario.assertions.map(\.kind) == [
            .pods(PodsAssertion(workload: "backend", during: "roll", readyAtLeast: 3, maxRestarts: 0)),
            .pods(PodsAssertion(workload: "postgres", during: "after", exitedByThemselves: true)),
        ])
        func errors(_ body: String) -> [String] {
            switch ScenarioParser(stack: TestStacks.todo).parse(yaml: Self.header + "assertions:\n  - pods: " + body + "\n",
                                                                file: "scenarios/x.yaml", expectedName: "x") {
            case .success: return []
            case .failure(let error): return error.errors.map(\.description)
            }
        }
        #expect(errors("{workload: backend}").first?.contains("says nothing must hold") == true)
        #expect(errors("{workload: backnd, readyAtLeast: 1}").first?.contains("unknown workload \"backnd\"; did you mean \"backend\"?") == true,
                "\(errors("{workload: backnd, readyAtLeast: 1}"))")
        #expect(errors("{workload: backend, during: rol, readyAtLeast: 1}").first?.contains("did you mean") == true)
        #expect(errors("{workload: backend, during: rol, readyAtLeast: 1}").first?.contains("rol") == true)
    }
}
