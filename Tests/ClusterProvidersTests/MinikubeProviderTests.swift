import ClusterProviders
import LabrunCore
import LabrunTestSupport
import Testing

/// Minikube cannot run on this machine (no binary can be had here), so these tests check
/// exactly what labrun would run and how it reads minikube's recorded output formats.
@Suite struct MinikubeProviderTests {
    func provider(_ runner: RecordingProcessRunner, environment: [String: String] = [:]) throws -> MinikubeProvider {
        MinikubeProvider(context: try context(runner, environment: environment))
    }

    @Test func commandLines() throws {
        let minikube = try provider(RecordingProcessRunner())
        #expect(minikube.startCommand.arguments == ["start", "--cpus", "4", "--memory", "8192", "--addons", "metrics-server",
                                                    "--wait", "all", "--profile", "labrun"])
        #expect(minikube.statusCommand.arguments == ["status", "--output", "json", "--profile", "labrun"])
        #expect(minikube.profileListCommand.arguments == ["profile", "list", "--output", "json"])
        #expect(minikube.stopCommand.arguments == ["stop", "--profile", "labrun"])
        #expect(minikube.deleteCommand.arguments == ["delete", "--profile", "labrun"])
        #expect(minikube.imageListCommand.arguments == ["image", "ls", "--format", "short", "--profile", "labrun"])
        #expect(minikube.imageLoadCommand("labrun/todo-backend:abc").arguments == ["image", "load", "labrun/todo-backend:abc", "--profile", "labrun"])
    }

    @Test func settingsFromTheEnvironment() throws {
        let minikube = try provider(RecordingProcessRunner(), environment: [
            "LABRUN_MINIKUBE_PROFILE": "lab2", "LABRUN_MINIKUBE_CPUS": "6", "LABRUN_MINIKUBE_MEMORY": "12288",
            "LABRUN_MINIKUBE_DRIVER": "kvm2", "LABRUN_KUBERNETES_VERSION": "v1.29.4",
        ])
        #expect(minikube.startCommand.description
                == "minikube start --cpus 6 --memory 12288 --addons metrics-server --wait all --driver kvm2 --kubernetes-version v1.29.4 --profile lab2")
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
        #expect(runner.commandLines.last?.hasPrefix("minikube start --cpus 4") == true)
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
