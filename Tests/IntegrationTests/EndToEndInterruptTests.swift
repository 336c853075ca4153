import Foundation
import KubernetesClient
import LabrunCore
import Testing

/// The real `labrun` binary interrupted mid-run against the real cluster: Ctrl-C must clean up
/// (exit 130, the run's namespace gone), and a run killed outright (SIGKILL: nothing can clean
/// up) must be swept by the next run. Enabled like the scenario tests (`LABRUN_E2E=1`).
@Suite(.serialized) struct EndToEndInterruptTests {
    static var enabled: Bool { EndToEndScenario.enabled("chaos-pod-kill") && EndToEndCLITests.binary != nil }

    /// `labrun` started with `arguments` (plus the cluster to use); its output goes to a file.
    struct Run {
        let process: Process
        let output: URL

        var text: String { (try? String(contentsOf: output, encoding: .utf8)) ?? "" }
    }

    static func start(_ arguments: [String]) throws -> Run {
        let binary = try #require(EndToEndCLITests.binary)
        let output = FileManager.default.temporaryDirectory.appendingPathComponent("labrun-interrupt-\(UUID().uuidString).log")
        try #require(FileManager.default.createFile(atPath: output.path, contents: nil), "cannot create \(output.path)")
        let handle = try FileHandle(forWritingTo: output)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: binary)
        let cluster = ProcessInfo.processInfo.environment["LABRUN_TEST_KUBECONFIG"].map { ["--provider", "existing", "--kubeconfig", $0] }
            ?? ["--provider", "bare"]
        process.arguments = arguments + cluster
        var environment = ProcessInfo.processInfo.environment
        environment["NO_COLOR"] = "1"
        environment["LABRUN_PROVIDER"] = nil
        process.environment = environment
        process.standardOutput = handle
        process.standardError = handle
        process.standardInput = FileHandle.nullDevice
        try process.run()
        return Run(process: process, output: output)
    }

    static func kube() throws -> KubernetesClient { try KubernetesClient.fromKubeconfig(path: EndToEndScenario.kubeconfig) }

    /// The namespace the process `pid` created for its run, once its backend has ready replicas.
    static func runNamespace(of pid: Int32, timeout: Double = 300) async throws -> String {
        let kube = try kube()
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            let namespaces = try await kube.list(Namespace.self, options: ListOptions(labelSelector: "labrun.dev/run")).items
            if let mine = namespaces.first(where: { $0.metadata.annotations?["labrun.dev/owner-pid"] == String(pid) }),
               let name = mine.metadata.name,
               let backend = try? await kube.get(Deployment.self, name: "backend", namespace: name),
               (backend.status?.readyReplicas ?? 0) > 0 {
                return name
            }
            try await Task.sleep(for: .seconds(1))
        }
        throw LabrunError(id: "E2E_TIMEOUT", message: "process \(pid) made no run namespace with a ready backend within \(Int(timeout))s")
    }

    /// Waits until the namespace is gone; returns false if it still exists after `timeout`.
    static func namespaceGone(_ name: String, timeout: Double = 180) async throws -> Bool {
        let kube = try kube()
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            do {
                _ = try await kube.get(Namespace.self, name: name)
            } catch let error as LabrunError where error.isNotFound {
                return true
            }
            try await Task.sleep(for: .seconds(2))
        }
        return false
    }

    static func waitForExit(_ process: Process, timeout: Double) async throws -> Int32? {
        let deadline = Date().addingTimeInterval(timeout)
        while process.isRunning && Date() < deadline { try await Task.sleep(for: .milliseconds(200)) }
        return process.isRunning ? nil : process.terminationStatus
    }

    @Test(.enabled(if: EndToEndInterruptTests.enabled, EndToEndScenario.skipComment), .timeLimit(.minutes(60)))
    func ctrlCStopsTheRunAndRemovesItsNamespace() async throws { try await EndToEndGate.run(exclusive: true) { try await self.ctrlCStopsTheRunAndRemovesItsNamespaceAlone() } }

    /// The test itself, run alone: it starts and stops whole runs and looks at every namespace.
    func ctrlCStopsTheRunAndRemovesItsNamespaceAlone() async throws {
        guard try await EndToEndScenario.shouldRun("chaos-pod-kill") else { return }
        let reports = FileManager.default.temporaryDirectory.appendingPathComponent("labrun-interrupt-reports-\(UUID().uuidString)").path
        let run = try Self.start(["run", "chaos-pod-kill", "--report-dir", reports])
        defer { if run.process.isRunning { run.process.terminate() } }
        let namespace = try await Self.runNamespace(of: run.process.processIdentifier)
        try await Task.sleep(for: .seconds(8))  // into the background load and the steps
        kill(run.process.processIdentifier, SIGINT)
        let status = try await Self.waitForExit(run.process, timeout: 240)
        #expect(status == 130, "labrun should exit 130 after Ctrl-C, got \(status.map(String.init) ?? "no exit within 240s"):\n\(run.text)")
        #expect(run.text.contains("Ctrl-C: stopping and cleaning up"), "\(run.text)")
        #expect(try await Self.namespaceGone(namespace), "namespace \(namespace) is still there after Ctrl-C:\n\(run.text)")
    }

    @Test(.enabled(if: EndToEndInterruptTests.enabled, EndToEndScenario.skipComment), .timeLimit(.minutes(60)))
    func theNextRunSweepsTheNamespaceOfAKilledRun() async throws { try await EndToEndGate.run(exclusive: true) { try await self.theNextRunSweepsTheNamespaceOfAKilledRunAlone() } }

    /// The test itself, run alone: it starts and stops whole runs and looks at every namespace.
    func theNextRunSweepsTheNamespaceOfAKilledRunAlone() async throws {
        guard try await EndToEndScenario.shouldRun("chaos-pod-kill") else { return }
        let reports = FileManager.default.temporaryDirectory.appendingPathComponent("labrun-interrupt-reports-\(UUID().uuidString)").path
        let killed = try Self.start(["run", "chaos-pod-kill", "--report-dir", reports])
        defer { if killed.process.isRunning { killed.process.terminate() } }
        let namespace = try await Self.runNamespace(of: killed.process.processIdentifier)
        kill(killed.process.processIdentifier, SIGKILL)
        _ = try await Self.waitForExit(killed.process, timeout: 30)
        #expect(!(try await Self.namespaceGone(namespace, timeout: 5)), "a SIGKILLed run cannot clean up; its namespace should still be there")

        // The next run (here a one-step scenario of its own) finds the leftover and deletes it.
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("labrun-sweep-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        try """
            apiVersion: labrun.dev/v1alpha1
            kind: Scenario
            metadata:
              name: sweep-check
              description: One short step; the run's first act is to sweep leftovers of interrupted runs.
            steps:
              - name: pause
                action:
                  wait: 1s
            """.write(to: directory.appendingPathComponent("sweep-check.yaml"), atomically: true, encoding: .utf8)
        let next = try Self.start(["run", "--scenario-dir", directory.path, "sweep-check", "--report-dir", reports])
        defer { if next.process.isRunning { next.process.terminate() } }
        let status = try await Self.waitForExit(next.process, timeout: 300)
        #expect(status == 0, "the sweeping run should pass, got \(status.map(String.init) ?? "no exit within 300s"):\n\(next.text)")
        #expect(try await Self.namespaceGone(namespace), "the next run did not remove the killed run's namespace \(namespace):\n\(next.text)")
    }
}
