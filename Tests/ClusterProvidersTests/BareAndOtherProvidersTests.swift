import ClusterProviders
import Foundation
import LabrunCore
import LabrunTestSupport
import Testing

@Suite struct BareProviderTests {
    @Test func parsesStatusOutput() throws {
        let running = BareClusterStatus.parse(try fixture("bare-status-running.txt"))
        #expect(running.components.count == 9)
        #expect(running.nodeReady)
        #expect(BareClusterStatus.state(of: running, exitCode: 0) == .running)
        let stopped = BareClusterStatus.parse(try fixture("bare-status-stopped.txt"))
        #expect(!stopped.nodeReady)
        #expect(BareClusterStatus.state(of: stopped, exitCode: 1) == .stopped)
        var half = running
        half.components[4].up = false
        #expect(BareClusterStatus.state(of: half, exitCode: 1) == .degraded)
    }

    @Test func everyNodeMustBeReady() throws {
        let two = BareClusterStatus.parse(try fixture("bare-status-two-nodes.txt"))
        #expect(two.components.count == 13)
        #expect(two.nodeReady)
        #expect(BareClusterStatus.state(of: two, exitCode: 0) == .running)
        // The second node's line turned NotReady (as after `cluster/bare/node stop labrun-bare-2`).
        let text = try fixture("bare-status-two-nodes.txt").replacingOccurrences(of: "(10.250.0.2) Ready: True", with: "(10.250.0.2) Ready: False")
        let down = BareClusterStatus.parse(text)
        #expect(!down.nodeReady)
        #expect(down.nodeLine == "node labrun-bare-2 (10.250.0.2) Ready: False")
        #expect(BareClusterStatus.state(of: down, exitCode: 1) == .degraded)
    }

    @Test func aDockerCommandForAnExtraNodeGoesToItsEngine() throws {
        let bare = BareProvider(context: try context(RecordingProcessRunner()))
        let first = bare.nodeCommand(["docker", "pause", "abc"], node: "labrun-bare", timeout: 5)
        #expect(first.executable == "docker" && first.arguments == ["pause", "abc"])
        let second = bare.nodeCommand(["docker", "pause", "abc"], node: "labrun-bare-2", timeout: 5)
        #expect(second.arguments == ["--host", "unix:///var/lib/labrun/bare/run/labrun-bare-2/docker.sock", "pause", "abc"])
        // Not a docker command, or a node name that is no name: run as it is.
        #expect(bare.nodeCommand(["nsenter", "-t", "1"], node: "labrun-bare-2", timeout: 5).arguments == ["-t", "1"])
        #expect(bare.nodeCommand(["docker", "ps"], node: "../x", timeout: 5).arguments == ["ps"])
    }

    @Test func imagesGoToTheExtraNodesThroughTheScript() async throws {
        let layout = try temporaryProject()
        let runner = RecordingProcessRunner()
        let bare = BareProvider(context: try context(runner, layout: layout))
        try await bare.loadImages(["labrun/todo-backend:aaa", "labrun/todo-postgres:bbb"])
        try await bare.loadImages([])
        #expect(runner.commandLines == [layout.root + "/cluster/bare/load-images labrun/todo-backend:aaa labrun/todo-postgres:bbb"])
    }

    @Test func runsTheProjectScripts() async throws {
        let layout = try temporaryProject()
        let runner = RecordingProcessRunner()
        runner.add([layout.root + "/cluster/bare/status"], exitCode: 1, stdout: try fixture("bare-status-stopped.txt"))
        let bare = BareProvider(context: try context(runner, layout: layout))
        #expect(try await bare.create() == .created)
        #expect(runner.commandLines == [layout.root + "/cluster/bare/status", layout.root + "/cluster/bare/up"])
        try await bare.destroy(.created)
        #expect(runner.commandLines.last == layout.root + "/cluster/bare/down")
    }

    @Test func aRestartKeepsTheNodeNetworkATeardownDoesNot() async throws {
        let layout = try temporaryProject()
        let runner = RecordingProcessRunner()
        let bare = BareProvider(context: try context(runner, layout: layout))
        try await bare.stopCluster()
        try await bare.startCluster()
        try await bare.destroy(.created)
        #expect(runner.commandLines == [layout.root + "/cluster/bare/down --keep-network",
                                        layout.root + "/cluster/bare/up",
                                        layout.root + "/cluster/bare/down"])
    }

    @Test func neverStopsAClusterItDidNotStart() async throws {
        let layout = try temporaryProject()
        let runner = RecordingProcessRunner()
        runner.add([layout.root + "/cluster/bare/status"], stdout: try fixture("bare-status-running.txt"))
        let bare = BareProvider(context: try context(runner, layout: layout))
        #expect(try await bare.create() == .alreadyRunning)
        try await bare.destroy(.alreadyRunning)
        #expect(runner.commandLines == [layout.root + "/cluster/bare/status"])
    }

    @Test func kubeconfigAndAddressFollowTheContract() async throws {
        let runner = RecordingProcessRunner()
        let bare = BareProvider(context: try context(runner))
        #expect(try await bare.kubeconfig() == KubeconfigTarget(path: "/var/lib/labrun/bare/admin.kubeconfig"))
        #expect(try await bare.nodeAddress() == "10.250.0.1")
        let moved = BareProvider(context: try context(runner, environment: ["LABRUN_BARE_DIR": "/srv/bare", "LABRUN_BARE_NODE_IP": "10.250.0.9"]))
        #expect(try await moved.kubeconfig().path == "/srv/bare/admin.kubeconfig")
        #expect(try await moved.nodeAddress() == "10.250.0.9")
    }
}

@Suite struct KindProviderTests {
    @Test func parsesClustersAndCreatesOnlyWhenAbsent() async throws {
        #expect(KindProvider.parseClusters(try fixture("kind-get-clusters.txt")) == ["labrun", "other"])
        #expect(KindProvider.parseClusters("No kind clusters found.\n").isEmpty)
        let runner = RecordingProcessRunner(installed: ["kind", "docker"])
        runner.add(["kind", "get", "clusters"], stdout: "other\n")
        let kind = KindProvider(context: try context(runner))
        #expect(try await kind.create() == .created)
        #expect(runner.commandLines.last?.hasPrefix("kind create cluster --name labrun --kubeconfig ") == true)
        #expect(try await kind.kubeconfig().context == "kind-labrun")
    }

    /// kind writes no kubeconfig when a stopped node container is started again: labrun exports it.
    @Test func startingAStoppedClusterExportsItsKubeconfig() async throws {
        let runner = RecordingProcessRunner(installed: ["kind", "docker"])
        runner.add(["kind", "get", "clusters"], stdout: "labrun\n")
        runner.add(["docker", "inspect"], stdout: "false\n")
        let kind = KindProvider(context: try context(runner))
        #expect(try await kind.create() == .started)
        let state = try await kind.kubeconfig().path
        #expect(runner.commandLines.suffix(2) == ["docker start labrun-control-plane",
                                                  "kind export kubeconfig --name labrun --kubeconfig \(state)"])
        #expect(kind.nodeCommand(["crictl", "ps"], node: "labrun-worker", timeout: 60).description == "docker exec labrun-worker crictl ps")
        #expect(kind.nodeCommand(["crictl", "ps"], node: nil, timeout: 60).description == "docker exec labrun-control-plane crictl ps")
    }

    @Test func loadsMissingImagesInOneCommand() async throws {
        let runner = RecordingProcessRunner()
        runner.add(["docker", "exec", "labrun-control-plane", "crictl"],
                   stdout: #"{"images":[{"repoTags":["docker.io/labrun/todo-backend:aaa"]}]}"#)
        try await KindProvider(context: try context(runner)).loadImages(["labrun/todo-backend:aaa", "labrun/todo-frontend:bbb"])
        #expect(runner.commandLines.last == "kind load docker-image --name labrun labrun/todo-frontend:bbb")
    }
}

@Suite struct ExistingProviderTests {
    @Test func neverCreatesOrDeletes() async throws {
        let layout = try temporaryProject()
        let kubeconfig = layout.root + "/kubeconfig"
        _ = FileManager.default.createFile(atPath: kubeconfig, contents: Data("apiVersion: v1\n".utf8))
        let runner = RecordingProcessRunner()
        let existing = ExistingProvider(context: try context(runner, layout: layout), kubeconfig: kubeconfig,
                                        contextName: "lab", probe: FakeProbe())
        #expect(try await existing.create() == .alreadyRunning)
        try await existing.destroy(.created)
        #expect(runner.commandLines.isEmpty)
        #expect(try await existing.status().kubernetesVersion == "v1.30.0")
        #expect(try await existing.kubeconfig() == KubeconfigTarget(path: kubeconfig, context: "lab"))
    }

    @Test func anUnreachableClusterIsAnErrorWithAdvice() async throws {
        let layout = try temporaryProject()
        let kubeconfig = layout.root + "/kubeconfig"
        _ = FileManager.default.createFile(atPath: kubeconfig, contents: Data())
        let existing = ExistingProvider(context: try context(RecordingProcessRunner(), layout: layout),
                                        kubeconfig: kubeconfig, probe: FakeProbe(version: nil))
        await #expect(throws: LabrunError.self) { try await existing.create() }
        #expect(try await existing.status().phase == .degraded)
        let missing = ExistingProvider(context: try context(RecordingProcessRunner(), layout: layout),
                                       kubeconfig: layout.root + "/nope", probe: FakeProbe())
        do { _ = try await missing.create() } catch let error as LabrunError { #expect(error.id == "KUBECONFIG_MISSING") }
    }

    /// A kubeconfig the client cannot use is not an unreachable cluster: its own id and advice
    /// reach the user, not "start the cluster".
    @Test func aKubeconfigProblemKeepsItsOwnIdAndAdvice() async throws {
        let layout = try temporaryProject()
        let kubeconfig = layout.root + "/kubeconfig"
        _ = FileManager.default.createFile(atPath: kubeconfig, contents: Data())
        for failure in [LabrunError(id: ErrorID.kubeconfigExecFailed, message: "The credential plugin `aws eks get-token` exited with status 255.",
                                    advice: "Run it by hand to log in again."),
                        LabrunError(id: ErrorID.kubeconfigContextMissing, message: "Context lab is not in the kubeconfig.",
                                    advice: "Pass one of those with --context."),
                        LabrunError(id: ErrorID.kubeconfigCredentialFileMissing, message: "The client-key … does not exist.", advice: "Restore the file.")] {
            let existing = ExistingProvider(context: try context(RecordingProcessRunner(), layout: layout), kubeconfig: kubeconfig,
                                            probe: FakeProbe(failure: failure))
            let error = await #expect(throws: LabrunError.self) { try await existing.create() }
            #expect(error?.id == failure.id)
            #expect(error?.advice == failure.advice)
        }
        let unreachable = ExistingProvider(context: try context(RecordingProcessRunner(), layout: layout), kubeconfig: kubeconfig,
                                           probe: FakeProbe(version: nil))
        let error = await #expect(throws: LabrunError.self) { try await unreachable.create() }
        #expect(error?.id == ErrorID.clusterUnreachable)
    }

    @Test func defaultKubeconfigFollowsKUBECONFIG() throws {
        let runner = RecordingProcessRunner()
        #expect(try context(runner).defaultKubeconfigPath == "/home/dev/.kube/config")
        #expect(try context(runner, environment: ["KUBECONFIG": "/a:/b"]).defaultKubeconfigPath == "/a")
    }
}

@Suite struct StateStoreTests {
    @Test func missingFileIsEmptyAndSavesRoundTrip() throws {
        let layout = try temporaryProject()
        let store = StateStore(layout: layout)
        #expect(try store.load() == LabrunState())
        let when = Date(timeIntervalSince1970: 1_800_000_000)
        try store.update { state in
            state.clusters["bare"] = ClusterRecord(provider: .bare, outcome: .created, since: when)
            state.stacks["todo"] = StackRecord(provider: .bare, namespace: "todo", phase: .deploying,
                                               createdNamespace: true, ownerPID: 42, since: when)
        }
        try store.update { $0.stacks["todo"]?.phase = .ready }
        let loaded = try store.load()
        #expect(loaded.clusters["bare"]?.outcome == .created)
        #expect(loaded.stacks["todo"]?.phase == .ready)
        let attributes = try FileManager.default.attributesOfItem(atPath: store.path)
        #expect((attributes[.posixPermissions] as? Int) == 0o600)
    }

    @Test func aDamagedFileIsAnErrorThatSaysWhatToDo() throws {
        let layout = try temporaryProject()
        try FileManager.default.createDirectory(atPath: layout.stateDirectory, withIntermediateDirectories: true)
        _ = FileManager.default.createFile(atPath: layout.stateFile, contents: Data("{".utf8))
        do { _ = try StateStore(layout: layout).load() } catch let error as LabrunError {
            #expect(error.id == "STATE_UNREADABLE")
            #expect(error.advice?.contains("delete it") == true)
        }
    }
}

@Suite struct ProjectLayoutTests {
    @Test func findsTheProjectAboveTheWorkingDirectory() throws {
        let layout = try temporaryProject()
        try FileManager.default.createDirectory(atPath: layout.root + "/Sources/x", withIntermediateDirectories: true)
        let found = try ProjectLayout.discover(environment: ["HOME": "/home/dev"], start: layout.root + "/Sources/x",
                                               executable: nil, isRoot: false)
        #expect(URL(fileURLWithPath: found.root).standardizedFileURL.path == URL(fileURLWithPath: layout.root).standardizedFileURL.path)
        #expect(found.stateDirectory == "/home/dev/.labrun")
        let overridden = try ProjectLayout.discover(environment: ["LABRUN_ROOT": "/srv/lab", "LABRUN_STATE_DIR": "/tmp/s"],
                                                    start: "/", executable: nil, isRoot: true)
        #expect(overridden == ProjectLayout(root: "/srv/lab", stateDirectory: "/tmp/s"))
        #expect(throws: LabrunError.self) { try ProjectLayout.discover(environment: [:], start: "/", executable: nil) }
        #expect(try ProjectLayout.discover(environment: [:], start: layout.root, executable: nil, isRoot: true).stateDirectory == "/var/lib/labrun")
    }
}

@Suite struct NodeFaultCommandTests {
    func make(_ kind: ProviderKind) throws -> any NodeFaults {
        let layout = ProjectLayout(root: "/repo", stateDirectory: "/state")
        return try #require(ProviderSelector(context: try context(RecordingProcessRunner(), layout: layout), probe: FakeProbe()).make(kind) as? any NodeFaults)
    }
    func line(_ command: Command?) -> String? { command.map { ([$0.executable] + $0.arguments).joined(separator: " ") } }

    @Test func bareRunsItsNodeScriptAndNeverOffersTheHost() throws {
        let bare = try make(.bare)
        #expect(line(bare.nodeFaultCommand(.stop, node: "labrun-bare-2")) == "/repo/cluster/bare/node stop labrun-bare-2")
        #expect(line(bare.nodeFaultCommand(.heal, node: "labrun-bare-3")) == "/repo/cluster/bare/node heal labrun-bare-3")
        #expect(bare.nodeFaultCommand(.cut, node: "labrun-bare") == nil)
    }

    @Test func minikubeStopsAndStartsNodesButCannotCutThem() throws {
        let minikube = try make(.minikube)
        #expect(line(minikube.nodeFaultCommand(.stop, node: "labrun-m02")) == "minikube node stop labrun-m02 --profile labrun")
        #expect(line(minikube.nodeFaultCommand(.start, node: "labrun-m02")) == "minikube node start labrun-m02 --profile labrun")
        #expect(minikube.nodeFaultCommand(.cut, node: "labrun-m02") == nil)
    }

    @Test func kindStopsNodeContainersAndDisconnectsThemFromItsNetwork() throws {
        let kind = try make(.kind)
        #expect(line(kind.nodeFaultCommand(.stop, node: "labrun-worker")) == "docker stop labrun-worker")
        #expect(line(kind.nodeFaultCommand(.cut, node: "labrun-worker")) == "docker network disconnect kind labrun-worker")
        #expect(line(kind.nodeFaultCommand(.heal, node: "labrun-worker")) == "docker network connect kind labrun-worker")
    }

    @Test func everyFaultHasItsUndo() {
        for fault in NodeFault.allCases { #expect(fault.undo.undo == fault && fault.undo != fault) }
    }
}
