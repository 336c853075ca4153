import Foundation
import LabrunCore

/// A Minikube profile (default `labrun`): started with enough CPU and memory, images loaded
/// with `minikube image load`, container runtime read from `minikube profile list`.
///
/// Settings from the environment: `LABRUN_MINIKUBE_PROFILE`, `LABRUN_MINIKUBE_CPUS` (4),
/// `LABRUN_MINIKUBE_MEMORY` (MB, 8192), `LABRUN_MINIKUBE_DRIVER` (minikube's default),
/// `LABRUN_KUBERNETES_VERSION` (minikube's default).
public struct MinikubeProvider: ClusterProvider, ImageLoading, ClusterStopStart, HostAccess {
    public let kind = ProviderKind.minikube
    public let context: ProviderContext
    public let profile: String
    public let cpus: Int
    public let memoryMB: Int
    public let driver: String?
    public let kubernetesVersion: String?

    public init(context: ProviderContext) {
        self.context = context
        let env = context.environment
        profile = env["LABRUN_MINIKUBE_PROFILE"].flatMap { $0.isEmpty ? nil : $0 } ?? "labrun"
        cpus = env["LABRUN_MINIKUBE_CPUS"].flatMap(Int.init) ?? 4
        memoryMB = env["LABRUN_MINIKUBE_MEMORY"].flatMap(Int.init) ?? 8192
        driver = env["LABRUN_MINIKUBE_DRIVER"].flatMap { $0.isEmpty ? nil : $0 }
        kubernetesVersion = env["LABRUN_KUBERNETES_VERSION"].flatMap { $0.isEmpty ? nil : $0 }
    }

    var runner: any ProcessRunner { context.runner }

    func minikube(_ arguments: [String], timeout: Double? = 120) -> Command {
        Command("minikube", arguments + ["--profile", profile], timeout: timeout)
    }

    // MARK: commands (exposed for tests: exactly what would run)

    public var startCommand: Command {
        var args = ["start", "--cpus", String(cpus), "--memory", String(memoryMB),
                    "--addons", "metrics-server", "--wait", "all"]
        if let driver { args += ["--driver", driver] }
        if let kubernetesVersion { args += ["--kubernetes-version", kubernetesVersion] }
        return minikube(args, timeout: 900)
    }
    public var statusCommand: Command { minikube(["status", "--output", "json"], timeout: 60) }
    public var profileListCommand: Command { Command("minikube", ["profile", "list", "--output", "json"], timeout: 60) }
    public var stopCommand: Command { minikube(["stop"], timeout: 300) }
    public var deleteCommand: Command { minikube(["delete"], timeout: 300) }
    public var imageListCommand: Command { minikube(["image", "ls", "--format", "short"], timeout: 120) }
    public func imageLoadCommand(_ reference: String) -> Command { minikube(["image", "load", reference], timeout: 600) }

    // MARK: ClusterProvider

    public func detect() async -> ProviderAvailability {
        guard let path = runner.which("minikube") else { return .no("`minikube` not found on PATH") }
        return .yes("`minikube` found at \(path)")
    }

    public func status() async throws -> ClusterState {
        var state = MinikubeOutput.parseStatus(try await runner.run(statusCommand), profile: profile)
        if state.phase != .absent, let info = try? await profileInfo() {
            state.kubernetesVersion = info.kubernetesVersion
            state.containerRuntime = info.containerRuntime
            state.nodeAddress = info.nodeIP
            if let driver = info.driver { state.detail += " (driver \(driver))" }
        }
        return state
    }

    /// This profile's entry in `minikube profile list`, if it exists.
    public func profileInfo() async throws -> MinikubeOutput.Profile? {
        let output = try await runner.check(profileListCommand, what: "Listing Minikube profiles")
        return try MinikubeOutput.parseProfiles(output.standardOutput).first { $0.name == profile }
    }

    /// The container runtime the profile's node uses (docker, containerd, cri-o).
    public func containerRuntime() async throws -> String? { try await profileInfo()?.containerRuntime }

    public func create() async throws -> CreateOutcome {
        let before = try await status()
        switch before.phase {
        case .running:
            return .alreadyRunning
        case .stopped, .degraded, .absent:
            context.say("starting Minikube profile \(profile) (\(cpus) CPUs, \(memoryMB) MB)")
            try await runner.check(startCommand, what: "Starting Minikube profile \(profile)")
            return before.phase == .absent ? .created : .started
        }
    }

    public func kubeconfig() async throws -> KubeconfigTarget {
        // `minikube start` writes a context named after the profile into the user's kubeconfig.
        KubeconfigTarget(path: context.defaultKubeconfigPath, context: profile)
    }

    public func destroy(_ outcome: CreateOutcome) async throws {
        switch outcome {
        case .alreadyRunning: return
        case .started: try await stopCluster()
        case .created: try await runner.check(deleteCommand, what: "Deleting Minikube profile \(profile)")
        }
    }

    // MARK: abilities

    public func loadedImages() async throws -> Set<String> {
        MinikubeOutput.parseImageList(try await runner.check(imageListCommand, what: "Listing images in Minikube").standardOutput)
    }

    public func loadImages(_ references: [String]) async throws {
        let present = try await loadedImages()
        for reference in references where !present.contains(MinikubeOutput.normaliseImage(reference)) {
            context.say("loading \(reference) into Minikube")
            try await runner.check(imageLoadCommand(reference), what: "Loading \(reference) into Minikube")
        }
    }

    public func stopCluster() async throws {
        try await runner.check(stopCommand, what: "Stopping Minikube profile \(profile)")
    }

    public func startCluster() async throws {
        try await runner.check(startCommand, what: "Starting Minikube profile \(profile)")
    }

    public func nodeAddress() async throws -> String {
        let output = try await runner.check(minikube(["ip"], timeout: 60), what: "Asking Minikube for its node address")
        return output.standardOutput.trimmingCharacters(in: .whitespacesAndNewlines)
    }
}
