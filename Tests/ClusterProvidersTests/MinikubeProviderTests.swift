import ClusterProviders
import LabrunCore
import LabrunTestSupport
import Testing

/// Minikube cannot run on this machine (no binary can be had here), so these tests check
/// exactly what labrun would run and how it reads minikube's recorded output formats.
@Suite struct MinikubeProviderTests {
    func provider(_ runner: RecordingProcessRunner, environment: [String: String] = [:]) throws -> MinikubeProvider {
        MinikubeProvider(context: try context(runner, environment: environment, isRoot: false))
    }

    @Test func commandLines() throws {
        let minikube = try provider(RecordingProcessRunner())
        // `--cni calico`: an enforcing CNI, so a NetworkPolicy partition lands (minikube's docs: --cni
        // takes auto, bridge, calico, cilium, flannel, kindnet or a manifest path).
        #expect(minikube.startCommand(cpus: 4, memoryMB: 6144).arguments
                == ["start", "--cpus", "4", "--memory", "6144", "--cni", "calico", "--addons", "metrics-server",
                    "--wait", "all", "--profile", "labrun"])
        #expect(minikube.statusCommand.arguments == ["status", "--output", "json", "--profile", "labrun"])
        #expect(minikube.profileListCommand.arguments == ["profile", "list", "--output", "json"])
        #expect(minikube.stopCommand.arguments == ["stop", "--profile", "labrun"])
        #expect(minikube.deleteCommand.arguments == ["delete", "--profile", "labrun"])
        #expect(minikube.imageListCommand.arguments == ["image", "ls", "--format", "short", "--profile", "labrun"])
        #expect(minikube.imageLoadCommand("labrun/todo-backend:abc").arguments == ["image", "load", "labrun/todo-backend:abc", "--profile", "labrun"])
        #expect(minikube.dockerInfoCommand.description == "docker info --format '{{.NCPU}} {{.MemTotal}}'")
        // `minikube ssh [--node N] -- CMD`: the profile's flags before `--`, the node's command after it.
        #expect(minikube.nodeCommand(["crictl", "ps"], node: "labrun-m02", timeout: 60).description
                == "minikube ssh --profile labrun --node labrun-m02 -- sudo crictl ps")
        #expect(minikube.nodeCommand(["crictl", "ps"], node: nil, timeout: 60).description
                == "minikube ssh --profile labrun -- sudo crictl ps")
        #expect(minikube.serviceURLCommand(service: "labrun-web", namespace: "shop").description
                == "minikube service labrun-web --namespace shop --url --profile labrun")
    }

    @Test func settingsFromTheEnvironment() async throws {
        let runner = RecordingProcessRunner()
        let minikube = try provider(runner, environment: [
            "LABRUN_MINIKUBE_PROFILE": "lab2", "LABRUN_MINIKUBE_CPUS": "6", "LABRUN_MINIKUBE_MEMORY": "12288",
            "LABRUN_MINIKUBE_DRIVER": "kvm2", "LABRUN_MINIKUBE_CNI": "cilium", "LABRUN_KUBERNETES_VERSION": "v1.29.4",
        ])
        let size = try await minikube.size()
        #expect(size.cpus == 6 && size.memoryMB == 12288)
        #expect(runner.commands.isEmpty)   // given sizes and a VM driver: Docker is not asked
        #expect(minikube.startCommand(cpus: size.cpus, memoryMB: size.memoryMB).description
                == "minikube start --cpus 6 --memory 12288 --cni cilium --addons metrics-server --wait all --driver kvm2 --kubernetes-version v1.29.4 --profile lab2")
    }

    /// Docker Desktop with 2 CPUs and 7.65 GiB (what `docker info` reports as NCPU and MemTotal):
    /// labrun asks for what fits instead of 4 CPUs and 8 GiB, which minikube would refuse.
    @Test func sizeFollowsWhatDockerHas() async throws {
        let runner = RecordingProcessRunner()
        runner.add(["docker", "info"], stdout: "2 8217473024\n")
        let size = try await provider(runner).size()
        #expect(size.cpus == 2 && size.memoryMB == 5877)
        let parsed = MinikubeProvider.parseDockerInfo("16 34359738368")
        #expect(parsed?.cpus == 16 && parsed?.memoryMB == 32768)
        #expect(MinikubeProvider.parseDockerInfo("oops") == nil)

        let big = RecordingProcessRunner()
        big.add(["docker", "info"], stdout: "16 34359738368\n")
        let plenty = try await provider(big).size()
        #expect(plenty.cpus == 4 && plenty.memoryMB == 8192)

        let tiny = RecordingProcessRunner()
        tiny.add(["docker", "info"], stdout: "2 2147483648\n")
        let error = await #expect(throws: LabrunError.self) { try await provider(tiny).size() }
        #expect(error?.id == ErrorID.minikubeTooSmall)
        #expect(error?.advice?.contains("Settings → Resources") == true)
    }

    @Test func asRootTheDockerDriverIsRefusedWithAdvice() async throws {
        let runner = RecordingProcessRunner(installed: ["minikube"])
        let rootContext = try context(runner, isRoot: true)
        let refused = await MinikubeProvider(context: rootContext).detect()
        #expect(!refused.available && refused.reason.contains("refuses to run as root"))
        let asUser = await MinikubeProvider(context: try context(runner, isRoot: false)).detect()
        #expect(asUser.available)
        let vm = await MinikubeProvider(context: try context(runner, environment: ["LABRUN_MINIKUBE_DRIVER": "kvm2"], isRoot: true)).detect()
        #expect(vm.available)
        // Chosen explicitly, the refusal says what to do.
        let selector = ProviderSelector(context: rootContext, probe: FakeProbe())
        let error = await #expect(throws: LabrunError.self) { try await selector.select(.init(provider: "minikube")) }
        #expect(error?.id == ErrorID.providerUnavailable)
        #expect(error?.advice?.contains("not root") == true)
    }

    @Test func parsesStatusOutputs() throws {
        let running = MinikubeOutput.parseStatus(ProcessOutput(exitCode: 0, standardOutput: try fixture("minikube-status-running.json")), profile: "labrun")
        #expect(running.phase == .running)
        let stopped = MinikubeOutput.parseStatus(ProcessOutput(exitCode: 7, standardOutput: try fixture("minikube-status-stopped.json")), profile: "labrun")
        #expect(stopped.phase == .stopped)
        let paused = MinikubeOutput.parseStatus(ProcessOutput(exitCode: 2, standardOutput: try fixture("minikube-status-paused.json")), profile: "labrun")
        #expect(paused.phase == .degraded)
        #expect(paused.detail.contains("apiserver Paused"))
        let multi = MinikubeOutput.parseStatus(ProcessOutput(exitCode: 0, standardOutput: try fixture("minikube-status-multinode.json")), profile: "labrun")
        #expect(multi.phase == .running)
        #expect(multi.detail.contains("labrun-m02"))
        let missing = MinikubeOutput.parseStatus(ProcessOutput(exitCode: 85, standardOutput: try fixture("minikube-status-missing.txt")), profile: "labrun")
        #expect(missing.phase == .absent)
    }

    @Test func parsesProfilesForRuntimeAddressAndVersion() throws {
        let profiles = try MinikubeOutput.parseProfiles(try fixture("minikube-profile-list.json"))
        #expect(profiles.map(\.name) == ["labrun", "minikube"])
        let lab = try #require(profiles.first)
        #expect(lab.containerRuntime == "docker")
        #expect(lab.nodeIP == "192.168.49.2")
        #expect(lab.kubernetesVersion == "v1.30.0")
        #expect(lab.driver == "docker")
        #expect(lab.cpus == 4 && lab.memoryMB == 8192)
        #expect(profiles[1].containerRuntime == "containerd")
        #expect(profiles[1].status == "Stopped")
        #expect(throws: LabrunError.self) { try MinikubeOutput.parseProfiles("not json") }
    }

    @Test func parsesImageListsAndNormalisesReferences() throws {
        let images = MinikubeOutput.parseImageList(try fixture("minikube-image-ls.txt"))
        #expect(images.contains("labrun/todo-backend:3f9a0c1b2d4e"))
        #expect(images.contains("nginx:latest"))
        #expect(MinikubeOutput.normaliseImage("labrun/x") == "labrun/x:latest")
        #expect(MinikubeOutput.normaliseImage("localhost:5000/x") == "localhost:5000/x:latest")
    }

    @Test func createStartsAnAbsentProfileAndSaysItCreatedIt() async throws {
        let runner = RecordingProcessRunner()
        runner.add(["minikube", "status"], exitCode: 85, stdout: try fixture("minikube-status-missing.txt"))
        let outcome = try await provider(runner).create()
        #expect(outcome == .created)
        #expect(runner.commandLines.suffix(2) == ["docker info --format {{.NCPU}} {{.MemTotal}}",
                                                  "minikube start --cpus 4 --memory 8192 --cni calico --addons metrics-server --wait all --profile labrun"])
    }

    @Test func createLeavesARunningProfileAlone() async throws {
        let runner = RecordingProcessRunner()
        runner.add(["minikube", "status"], stdout: try fixture("minikube-status-running.json"))
        runner.add(["minikube", "profile", "list"], stdout: try fixture("minikube-profile-list.json"))
        let minikube = try provider(runner)
        #expect(try await minikube.create() == .alreadyRunning)
        #expect(!runner.commandLines.contains { $0.contains(" start ") })
        let state = try await minikube.status()
        #expect(state.containerRuntime == "docker" && state.nodeAddress == "192.168.49.2")
    }

    @Test func destroyUndoesOnlyWhatLabrunDid() async throws {
        let runner = RecordingProcessRunner()
        let minikube = try provider(runner)
        try await minikube.destroy(.alreadyRunning)
        #expect(runner.commandLines.isEmpty)
        try await minikube.destroy(.started)
        try await minikube.destroy(.created)
        #expect(runner.commandLines == ["minikube stop --profile labrun", "minikube delete --profile labrun"])
    }

    @Test func loadsOnlyImagesNotAlreadyThere() async throws {
        let runner = RecordingProcessRunner()
        runner.add(["minikube", "image", "ls"], stdout: try fixture("minikube-image-ls.txt"))
        try await provider(runner).loadImages(["labrun/todo-backend:3f9a0c1b2d4e", "labrun/todo-postgres:0123456789ab"])
        #expect(runner.commandLines.filter { $0.contains("image load") }
                == ["minikube image load labrun/todo-postgres:0123456789ab --profile labrun"])
    }

    @Test func aFailedStartPrintsTheCommandToPaste() async throws {
        let runner = RecordingProcessRunner()
        runner.add(["minikube", "status"], exitCode: 7, stdout: try fixture("minikube-status-stopped.json"))
        runner.add(["minikube", "start"], exitCode: 80, stderr: "❌  Exiting due to GUEST_PROVISION: error provisioning guest")
        do {
            _ = try await provider(runner).create()
            Issue.record("expected a failure")
        } catch let error as LabrunError {
            #expect(error.id == "COMMAND_FAILED")
            #expect(error.message.contains("`minikube start --cpus 4"))
            #expect(error.message.contains("GUEST_PROVISION"))
        }
    }
}
