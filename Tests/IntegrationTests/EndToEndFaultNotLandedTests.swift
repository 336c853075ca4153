import Foundation
import Testing

/// The real `labrun` binary against the real cluster with a fault that cannot land: a `deletePod`
/// whose selector matches no pod. The run must end as `faultNotLanded` with exit code 2 — never as
/// passed, and not as an ordinary failure of the stack. Enabled like the scenario tests (`LABRUN_E2E=1`).
@Suite struct EndToEndFaultNotLandedTests {
    static let scenario = """
        apiVersion: labrun.dev/v1alpha1
        kind: Scenario
        metadata:
          name: fault-with-no-target
          description: A pod kill whose selector matches no pod of the stack.
        setup:
          workloads:
            backend:
              replicas: 1
        steps:
          - name: kill-nothing
            action:
              deletePod:
                selector:
                  app.kubernetes.io/name: no-such-workload
        assertions:
          - name: api answers
            http:
              path: /readyz
              expect:
                status: 200
        """

    @Test(.enabled(if: EndToEndInterruptTests.enabled, EndToEndScenario.skipComment), .timeLimit(.minutes(30)))
    func aFaultWithNoTargetEndsAsFaultNotLandedWithExitCode2() async throws {
        try await EndToEndGate.run(exclusive: false) {
            guard try await EndToEndScenario.shouldRun("chaos-pod-kill") else { return }
            let directory = FileManager.default.temporaryDirectory.appendingPathComponent("labrun-not-landed-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: directory.appendingPathComponent("scenarios"), withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(at: directory) }
            try Self.scenario.write(to: directory.appendingPathComponent("scenarios/fault-with-no-target.yaml"), atomically: true, encoding: .utf8)
            let run = try EndToEndInterruptTests.start(["run", "fault-with-no-target", "--scenario-dir", directory.appendingPathComponent("scenarios").path,
                                                        "--report-dir", directory.appendingPathComponent("reports").path])
            defer { if run.process.isRunning { run.process.terminate() } }
            let status = try await EndToEndInterruptTests.waitForExit(run.process, timeout: 900)
            #expect(status == 2, "a fault that did not land exits 2, got \(status.map(String.init) ?? "no exit within 900s"):\n\(run.text)")
            #expect(run.text.contains("faultNotLanded"), "\(run.text)")
            #expect(run.text.contains("the fault had nothing to act on, so it did not land"), "\(run.text)")
            #expect(run.text.contains("SCENARIO_FAULT_NOT_LANDED"), "\(run.text)")
        }
    }
}
