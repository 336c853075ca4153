import Foundation
import LabrunTestSupport

import LabrunCore
import StackLifecycle
import Testing
@testable import ScenarioEngine
@testable import ScenarioModel

/// The runtime's pure parts: leftovers, identities, cleanup order, variants, shape, hints, transport.
@Suite struct RuntimePartsTests {
    struct FakeLiveness: OwnerLiveness {
        var alive: Set<Int32>
        func isAlive(pid: Int32, startTime: String?, host: String?) -> Bool { alive.contains(pid) }
    }

    @Test func leftoversAreRunNamespacesWhoseOwnerIsGone() {
        let sweeper = LeftoverSweeper(liveness: FakeLiveness(alive: [100]))
        func candidate(_ name: String, pid: String?, run: String? = "r1", terminating: Bool = false) -> LeftoverSweeper.Candidate {
            LeftoverSweeper.Candidate(name: name, labels: run.map { [RunIdentity.runLabel: $0] } ?? [:],
                                      annotations: pid.map { [RunIdentity.ownerPIDAnnotation: $0] } ?? [:], terminating: terminating)
        }
        let found = sweeper.leftovers([
            candidate("labrun-a-1", pid: "100"),                 // owner alive
            candidate("labrun-b-2", pid: "200"),                 // owner gone
            candidate("labrun-c-3", pid: nil),                   // no owner recorded
            candidate("labrun-d-4", pid: "200", terminating: true),
            candidate("todo", pid: "200"),                       // not a run namespace name
            candidate("labrun-e-5", pid: "200", run: nil),       // no run label
        ])
        #expect(found.map(\.name) == ["labrun-b-2", "labrun-c-3"])
        #expect(found.first?.reason.contains("process 200 is gone") == true)
    }

    @Test func thisProcessIsAliveAndAReusedPidIsNot() {
        let pid = getpid()
        let start = ProcessLiveness.startTime(of: pid)
        #expect(start != nil)
        #expect(ProcessLiveness().isAlive(pid: pid, startTime: start, host: nil))
        #expect(!ProcessLiveness().isAlive(pid: pid, startTime: "1", host: nil))
        #expect(!ProcessLiveness().isAlive(pid: 999_999_999 % Int32.max, startTime: nil, host: nil))
    }

    @Test func namespacesAreUniquePerRunAndValid() {
        let a = RunIdentity.fresh(scenario: "chaos-pod-kill")
        let b = RunIdentity.fresh(scenario: "chaos-pod-kill")
        #expect(a.namespace.hasPrefix("labrun-chaos-pod-kill-"))
        #expect(a.namespace != b.namespace)
        let long = RunIdentity.fresh(scenario: String(repeating: "x", count: 80), id: "abcdef")
        #expect(long.namespace.count <= 63 && long.namespace.hasSuffix("-abcdef"))
        #expect(a.labels[RunIdentity.runLabel] == a.id)
        #expect(RunIdentity.fresh(scenario: "s", reuse: "todo").reusedNamespace)
    }

    @Test func cleanupRunsNewestFirstAndGoesOnAfterAFailure() async {
        let cleanup = RunCleanup()
        let order = Recorder()
        cleanup.register("first") { order.add("first") }
        let token = cleanup.register("removed") { order.add("removed") }
        cleanup.register("broken") { throw LabrunError(id: "X", message: "could not") }
        cleanup.register("last") { order.add("last") }
        cleanup.remove(token)
        let results = await cleanup.unwind(clock: ManualClock())
        #expect(order.entries == ["last", "first"])
        #expect(results.map(\.action) == ["last", "broken", "first"])
        #expect(results.map(\.verdict) == [.passed, .failed, .passed])
        #expect(cleanup.names.isEmpty)
    }

    @Test func cleanupRunsEvenFromACancelledTask() async {
        let cleanup = RunCleanup()
        let order = Recorder()
        cleanup.register("slow undo") {
            try await Task.sleep(nanoseconds: 1_000_000)
            order.add("done")
        }
        let task = Task {
            withUnsafeCurrentTask { $0?.cancel() }
            return await cleanup.unwind(clock: SystemClock())
        }
        let results = await task.value
        #expect(results.first?.verdict == .passed)
        #expect(order.entries == ["done"])
    }

    static let deployment: JSONValue = .object([
        "kind": .string("Deployment"),
        "metadata": .object(["name": .string("backend")]),
        "spec": .object([
            "replicas": .number(3),
            "strategy": .object(["rollingUpdate": .object(["maxUnavailable": .number(0)])]),
            "template": .object(["spec": .object(["containers": .array([.object([
                "name": .string("backend"),
                "env": .array([.object(["name": .string("PGUSER"), "value": .string("todo")])]),
                "readinessProbe": .object(["httpGet": .object(["path": .string("/readyz")])]),
                "lifecycle": .object(["preStop": .object(["exec": .object([:])])]),
                "resources": .object(["limits": .object(["cpu": .string("500m"), "memory": .string("256Mi")])]),
            ])])])]),
        ]),
    ])

    @Test func aVariantRemovesAndSetsByPointer() throws {
        let variant = StackVariant(name: "v", scenarios: ["s"], changes: [
            .init(kind: "Deployment", name: "backend", path: "/spec/template/spec/containers/0/readinessProbe"),
            .init(kind: "Deployment", name: "backend", path: "/spec/replicas", value: .number(1)),
            .init(kind: "Deployment", name: "backend", path: "/metadata/labels/broken", value: .string("yes")),
        ])
        let out = try variant.apply(to: [Self.deployment])
        #expect(StackHints.deploymentWeaknesses(out[0], name: "backend").first?.contains("no readinessProbe") == true)
        #expect(out[0]["spec"]?["replicas"] == .number(1))
        #expect(out[0]["metadata"]?["labels"]?["broken"] == .string("yes"))
        let missing = StackVariant(name: "m", scenarios: ["s"], changes: [.init(kind: "Deployment", name: "backend", path: "/spec/nothing")])
        #expect(throws: VariantError.self) { try missing.apply(to: [Self.deployment]) }
    }

    @Test func theBrokenFixturesLoadAndApplyToTheRealManifests() async throws {
        let directory = Bundle.module.resourcePath.map { $0 + "/Fixtures/broken" } ?? ""
        let files = try FileManager.default.contentsOfDirectory(atPath: directory).filter { $0.hasSuffix(".yaml") }.sorted()
        #expect(files == ["backend-breaker-counts-every-error.yaml", "backend-chat-history-in-memory.yaml", "backend-chat-tools-not-idempotent.yaml", "backend-connection-per-request.yaml", "backend-database-deadline-tuned-for-lan.yaml", "backend-default-node-tolerations.yaml", "backend-disruption-budget-allows-all.yaml", "backend-idempotency-key-not-unique.yaml", "backend-liveness-checks-database.yaml",
                          "backend-no-database-deadline.yaml", "backend-pool-never-reconnects.yaml", "backend-query-missing-user-filter.yaml",
                          "backend-readiness-checks-model.yaml", "backend-readiness-probe-checks-nothing.yaml", "backend-rollout-max-unavailable.yaml",
                          "backend-service-with-session-affinity.yaml", "backend-with-late-readiness.yaml",
                          "backend-without-cpu-request.yaml", "backend-without-memory-limit.yaml", "backend-without-prestop.yaml", "backend-without-readiness-probe.yaml", "postgres-without-volume.yaml"])
        // Variants no manifest check can see: only the run's evidence names their cause (issue 12).
        let evidenceOnly: Set<String> = ["backend-breaker-counts-every-error.yaml", "backend-chat-history-in-memory.yaml", "backend-chat-tools-not-idempotent.yaml", "backend-connection-per-request.yaml", "backend-database-deadline-tuned-for-lan.yaml", "backend-default-node-tolerations.yaml", "backend-disruption-budget-allows-all.yaml", "backend-readiness-checks-model.yaml", "backend-idempotency-key-not-unique.yaml", "backend-liveness-checks-database.yaml",
                                         "backend-no-database-deadline.yaml", "backend-pool-never-reconnects.yaml", "backend-query-missing-user-filter.yaml",
                                         "backend-readiness-probe-checks-nothing.yaml",
                                         // named by the autoscaler's own condition, which the step's timeout reports
                                         "backend-without-cpu-request.yaml",
                                         // named by the memory stress's refusal of a container without a limit
                                         "backend-without-memory-limit.yaml"]
        let manifests = try await Self.projectManifests()
        func hints(_ objects: [JSONValue]) -> String {
            objects.flatMap { object -> [String] in
                let name = object["metadata"]?["name"]?.stringValue ?? ""
                switch object["kind"]?.stringValue {
                case "Deployment": return StackHints.deploymentWeaknesses(object, name: name)
                case "StatefulSet": return StackHints.statefulSetWeaknesses(object, name: name)
                case "Service": return StackHints.serviceWeaknesses(object, name: name)
                default: return []
                }
            }.joined(separator: " ").lowercased()
        }
        var guarded: Set<String> = []
        for file in files {
            let variant = try StackVariant.load(file: directory + "/" + file)
            #expect(!variant.changes.isEmpty && !variant.expectFailureMentions.isEmpty, "\(file)")
            guarded.formUnion(variant.scenarios)
            let broken = try variant.apply(to: manifests)
            #expect(broken != manifests, "\(file) changes nothing")
            if evidenceOnly.contains(file) {
                #expect(hints(broken) == hints(manifests), "\(file): a manifest check sees it, so it does not test the evidence")
                continue
            }
            // The diagnosis names what the variant broke, in the words the end-to-end test looks for.
            let found = hints(broken)
            for word in variant.expectFailureMentions {
                #expect(found.contains(word.lowercased()), "\(file): no hint mentions \(word)")
            }
        }
        // Every core scenario has a broken stack that it must catch.
        #expect(guarded.isSuperset(of: ["chaos-pod-kill", "chaos-rolling-update", "db-persistence-restart", "scale-out-under-load", "node-failure", "node-drain"]))
    }

    static let projectRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent().path

    /// `kubernetes/` as `labrun` loads it, from a copy whose credentials file holds test values (the
    /// real one is written per machine by generate-secret.sh and may not exist yet).
    static func projectManifests() async throws -> [JSONValue] {
        let copy = FileManager.default.temporaryDirectory.appendingPathComponent("labrun-manifests-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: copy) }
        try TestManifests.copy(projectRoot + "/kubernetes", to: copy)
        return try await KustomizeRenderer(runner: SystemProcessRunner()).render(copy)
    }

    @Test func theShapeSetsReplicasVersionAndResources() throws {
        let setup = ScenarioSetup(workloads: ["backend": WorkloadShape(
            replicas: 1, version: "v1", env: ["LOG_LEVEL": "debug"],
            resources: .object(["limits": .object(["cpu": .string("100m")])]))])
        var notes: [String] = []
        let out = try StackShape(setup: setup, stack: TestStacks.todo).apply(to: [Self.deployment]) { notes.append($0) }
        let container = out[0]["spec"]?["template"]?["spec"]?["containers"]
        guard case .array(let containers)? = container, case .array(let env)? = containers[0]["env"] else {
            Issue.record("no containers"); return
        }
        #expect(out[0]["spec"]?["replicas"] == .number(1))
        #expect(env.contains(.object(["name": .string("APP_VERSION"), "value": .string("v1")])))
        #expect(env.contains(.object(["name": .string("LOG_LEVEL"), "value": .string("debug")])))
        #expect(env.count == 3)
        #expect(containers[0]["resources"]?["limits"]
                == .object(["cpu": .string("100m"), "memory": .string("256Mi")]))
        #expect(notes.count == 1)
    }

    /// `setup.changes` come after the workloads' shape, each noted; one whose object is not rendered
    /// fails the setup, naming it.
    @Test func theShapeAppliesTheScenariosChangesAfterTheWorkloads() throws {
        let scaler: JSONValue = ["kind": "HorizontalPodAutoscaler", "metadata": ["name": "backend"],
                                 "spec": ["behavior": ["scaleDown": ["stabilizationWindowSeconds": 300]]]]
        let setup = ScenarioSetup(workloads: ["backend": WorkloadShape(replicas: 3)], changes: [
            StackVariant.Change(kind: "HorizontalPodAutoscaler", name: "backend", path: "/spec/behavior/scaleDown/stabilizationWindowSeconds", value: 30),
            StackVariant.Change(kind: "Deployment", name: "backend", path: "/spec/replicas"),
        ])
        var notes: [String] = []
        let out = try StackShape(setup: setup, stack: TestStacks.todo).apply(to: [Self.deployment, scaler]) { notes.append($0) }
        #expect(out[1].value(at: "spec.behavior.scaleDown.stabilizationWindowSeconds") == .number(30))
        #expect(out[0]["spec"]?["replicas"] == nil, "the change removes what the shape set")
        #expect(notes.suffix(2) == ["HorizontalPodAutoscaler backend: set /spec/behavior/scaleDown/stabilizationWindowSeconds to 30",
                                    "Deployment backend: removed /spec/replicas"])
        let missing = ScenarioSetup(changes: [StackVariant.Change(kind: "HorizontalPodAutoscaler", name: "api", path: "/spec/minReplicas", value: 1)])
        #expect(throws: VariantError.self) { try StackShape(setup: missing, stack: TestStacks.todo).apply(to: [Self.deployment]) }
    }

    /// A scenario deploys no Namespace and none of the kinds the stack file skips, but those it keeps.
    @Test func aScenarioKeepsOnlyTheSkippedKindsItAsksFor() {
        let objects: [JSONValue] = [["kind": "Namespace"], ["kind": "Deployment"], ["kind": "HorizontalPodAutoscaler"], ["kind": "PodDisruptionBudget"]]
        let skipping = ["HorizontalPodAutoscaler", "PodDisruptionBudget"]
        let plain = StackDeployer.forScenario(objects, skipping: skipping, keeping: [])
        #expect(plain.deployed.map { $0["kind"]?.stringValue } == ["Deployment"])
        #expect(plain.leftOut.count == 3)
        let keeping = StackDeployer.forScenario(objects, skipping: skipping, keeping: ["HorizontalPodAutoscaler"])
        #expect(keeping.deployed.map { $0["kind"]?.stringValue } == ["Deployment", "HorizontalPodAutoscaler"])
    }

    @Test func hintsNameAMissingVolume() {
        let withClaim: JSONValue = .object(["spec": .object(["volumeClaimTemplates": .array([.object([:])])])])
        let without: JSONValue = .object(["spec": .object(["template": .object(["spec": .object([
            "volumes": .array([.object(["name": .string("data"), "emptyDir": .object([:])])])])])])])
        #expect(StackHints.statefulSetWeaknesses(withClaim, name: "postgres").isEmpty)
        #expect(StackHints.statefulSetWeaknesses(without, name: "postgres").first?.contains("no persistent volume") == true)
        #expect(StackHints.deploymentWeaknesses(Self.deployment, name: "backend").isEmpty)
    }

    @Test func catalogSelectsByNameAndLabelAndSuggestsNames() throws {
        let a = Scenario(metadata: ScenarioMetadata(name: "chaos-pod-kill", labels: ["area": "chaos"]))
        let b = Scenario(metadata: ScenarioMetadata(name: "db-persistence-restart", labels: ["area": "persistence"]))
        let catalog = ScenarioCatalog(directory: "scenarios", scenarios: [a, b])
        #expect(try catalog.select().map(\.name) == ["chaos-pod-kill", "db-persistence-restart"])
        #expect(try catalog.select(labels: ["area": "chaos"]).map(\.name) == ["chaos-pod-kill"])
        #expect(try catalog.select(names: ["db-persistence-restart", "chaos-pod-kill"]).map(\.name) == ["db-persistence-restart", "chaos-pod-kill"])
        do {
            _ = try catalog.select(names: ["chaos-pod-kil"])
            Issue.record("an unknown name must be refused")
        } catch let error as LabrunError {
            #expect(error.id == "SCENARIO_UNKNOWN")
            #expect(error.advice?.contains("chaos-pod-kill") == true)
        }
        #expect(catalog.table.contains("chaos-pod-kill"))
        #expect(!catalog.table.contains("needs"), "a scenario without a node fault needs one node and says nothing")
    }

    @Test func theRealCatalogLoads() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().deletingLastPathComponent().path
        let catalog = try ScenarioCatalog(directory: root + "/scenarios", stack: TestStacks.todo)
        #expect(catalog.entries.map(\.name).contains("chaos-pod-kill"))
        // `labrun list` says which scenarios need a second node (they are skipped on one).
        let needingTwo = catalog.entries.filter { $0.minimumNodes == 2 }.map(\.name)
        #expect(needingTwo == ["node-drain", "node-failure"])
        #expect(catalog.table.split(separator: "\n").filter { $0.hasSuffix("(needs 2 nodes)") }.count == 2)
    }

    @Test func operationsSeeTheirDeadlineAndNestedOnesNeverOutliveTheOuter() async throws {
        let clock = YieldingClock()
        clock.manual.advance(by: 100)
        // Limits of `YieldingClock.never` or more never fire here, so the bodies always finish first.
        let seen = try await OperationTimeout.run(seconds: 300, clock: clock, what: "outer") { OperationTimeout.deadline }
        #expect(seen == 400)
        let nested = try await OperationTimeout.run(seconds: 300, clock: clock, what: "outer") {
            try await OperationTimeout.run(seconds: 600, clock: clock, what: "inner") { OperationTimeout.deadline }
        }
        #expect(nested == 400)
        #expect(OperationTimeout.deadline == nil)
    }

    @Test func theLocalGuardKnowsLoopbackAndRefusesAnAbsentAddress() {
        #expect(LocalAddressGuard.isLocal("127.0.0.1"))
        #expect(!LocalAddressGuard.isLocal("203.0.113.77"))
        #expect(LocalAddressGuard(address: "127.0.0.1").refusal() == nil)
        #expect(LocalAddressGuard(address: "203.0.113.77").refusal()?.contains("not on this host") == true)
    }
}

/// Collects strings from several tasks.
final class Recorder: @unchecked Sendable {
    private let lock = NSLock()
    private var items: [String] = []
    func add(_ item: String) { lock.withLock { items.append(item) } }
    var entries: [String] { lock.withLock { items } }
}
