import ClusterProviders
import Foundation
import LabrunCore
@testable import StackLifecycle
import Testing

@Suite struct StatusRendererTests {
    static let ready = StackStatusReport(
        provider: .bare, providerReason: "chosen by --provider; Linux, root, and cluster/bare/up present",
        cluster: ClusterState(phase: .running, detail: "9 components up, node Ready", kubernetesVersion: "v1.20.2",
                              containerRuntime: "docker", nodeAddress: "10.250.0.1"),
        clusterOutcome: .created, kubeconfig: KubeconfigTarget(path: "/var/lib/labrun/bare/admin.kubeconfig"),
        serverVersion: "v1.20.2",
        nodes: [.init(name: "labrun-bare", ready: true, kubeletVersion: "v1.20.2", containerRuntime: "docker://20.10.24", address: "10.250.0.1")],
        namespace: "todo", namespaceExists: true,
        workloads: [
            .init(kind: "deployment", name: "backend", ready: 3, desired: 3, upToDate: 3, restarts: 0, images: ["labrun/todo-backend:f8a0e3ced0b4"]),
            .init(kind: "deployment", name: "frontend", ready: 2, desired: 2, upToDate: 2, restarts: 1, images: ["labrun/todo-frontend:2569156eb047"]),
            .init(kind: "statefulset", name: "postgres", ready: 1, desired: 1, upToDate: 1, restarts: 0, images: ["labrun/todo-postgres:8d29b162bf61"]),
        ],
        appVersion: "f8a0e3ced0b4",
        endpoints: ["frontend": "http://10.250.0.1:31234", "backend": "http://10.250.0.1:30800", "postgres": "10.250.0.1:31432"])

    @Test func rendersEverythingReady() {
        #expect(Self.ready.allReady)
        #expect(StatusRenderer().render(Self.ready) == """
            provider   bare (chosen by --provider; Linux, root, and cluster/bare/up present)
            cluster    running: 9 components up, node Ready; created by labrun
                       Kubernetes v1.20.2 · runtime docker · kubeconfig /var/lib/labrun/bare/admin.kubeconfig
            node       labrun-bare  Ready  v1.20.2  docker://20.10.24  10.250.0.1
            namespace  todo
            app        version f8a0e3ced0b4 (the API's version header)

            WORKLOAD              READY  UP-TO-DATE  RESTARTS  IMAGE
            deployment/backend    3/3    3           0         labrun/todo-backend:f8a0e3ced0b4
            deployment/frontend   2/2    2           1         labrun/todo-frontend:2569156eb047
            statefulset/postgres  1/1    1           0         labrun/todo-postgres:8d29b162bf61

            backend    http://10.250.0.1:30800
            frontend   http://10.250.0.1:31234
            postgres   10.250.0.1:31432

            leftovers  none
            state      everything ready
            """)
    }

    @Test func rendersWhatIsNotReadyAndLeftovers() {
        var report = Self.ready
        report.clusterOutcome = nil
        report.workloads[0].ready = 2
        report.leftovers = ["an interrupted `labrun up` left namespace todo half-deployed (bare)"]
        #expect(!report.allReady)
        let text = StatusRenderer().render(report)
        #expect(text.contains("not started by labrun (`labrun down` leaves it running)"))
        #expect(text.contains("deployment/backend    2/3"))
        #expect(text.contains("leftovers  1\n  - an interrupted `labrun up`"))
        #expect(text.hasSuffix("state      NOT ready"))
    }

    @Test func aStoppedClusterIsNotReady() {
        let report = StackStatusReport(provider: .minikube, providerReason: "auto-detected",
                                       cluster: ClusterState(phase: .stopped, detail: "labrun: host Stopped"), namespace: "todo")
        #expect(!report.allReady)
        #expect(StatusRenderer().render(report).contains("todo (not deployed)"))
    }
}

@Suite struct LeftoverTests {
    @Test func anUnfinishedUpWhoseOwnerIsGoneIsALeftover() {
        var state = LabrunState()
        let when = Date(timeIntervalSince1970: 1_800_000_000)
        state.stacks["todo"] = StackRecord(provider: .bare, namespace: "todo", phase: .deploying, createdNamespace: true,
                                           ownerPID: 999_999_999, since: when)
        state.stacks["done"] = StackRecord(provider: .bare, namespace: "done", phase: .ready, createdNamespace: true,
                                           ownerPID: 999_999_999, since: when)
        state.clusters["bare"] = ClusterRecord(provider: .bare, outcome: .created, since: when)
        let found = LabSession.leftovers(in: state, provider: .bare, cluster: ClusterState(phase: .stopped), currentPID: 1)
        #expect(found.count == 2)
        #expect(found[0].contains("namespace todo half-deployed"))
        #expect(found[1].contains("says labrun started the bare cluster, but it is stopped"))
        #expect(LabSession.leftovers(in: state, provider: .bare, cluster: ClusterState(phase: .running), currentPID: 1).count == 1)
    }
}

@Suite struct CleanupStackTests {
    actor Log {
        var entries: [String] = []
        func add(_ entry: String) { entries.append(entry) }
    }

    @Test func undoesInReverseOrderEvenWhenCancelled() async {
        let log = Log()
        let cleanup = CleanupStack()
        cleanup.register("first") { await log.add("first") }
        cleanup.register("second") { await log.add("second") }
        cleanup.register("broken") { throw LabrunError(id: "X", message: "no") }
        let task = Task {
            withUnsafeCurrentTask { $0?.cancel() }
            return await cleanup.unwind()
        }
        let failures = await task.value
        #expect(await log.entries == ["second", "first"])
        #expect(failures.count == 1 && failures[0].hasPrefix("broken"))
        #expect(cleanup.names.isEmpty)
    }

    @Test func discardKeepsWhatTheRunMade() async {
        let log = Log()
        let cleanup = CleanupStack()
        cleanup.register("x") { await log.add("x") }
        cleanup.discard()
        await cleanup.unwind()
        #expect(await log.entries.isEmpty)
    }
}
