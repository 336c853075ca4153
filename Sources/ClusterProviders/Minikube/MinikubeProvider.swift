import Foundation
import LabrunCore

/// A Minikube profile (default `labrun`): started with an enforcing CNI (Calico, so NetworkPolicy
/// partitions land) and as much CPU and memory as Docker can give, images loaded with
/// `minikube image load`, container runtime read from `minikube profile list`, commands on its
/// node through `minikube ssh`.
///
/// Settings from the environment: `LABRUN_MINIKUBE_PROFILE`, `LABRUN_MINIKUBE_CPUS` (default: 4, at
/// most Docker's CPUs), `LABRUN_MINIKUBE_MEMORY` (MB; default: 8192, at most three quarters of
/// Docker's memory), `LABRUN_MINIKUBE_DRIVER` (minikube's default), `LABRUN_MINIKUBE_CNI` (calico),
/// `LABRUN_KUBERNETES_VERSION` (minikube's default).
public struct MinikubeProvider: ClusterProvider, ImageLoading, ClusterStopStart, HostAccess, NodeAccess, ServiceURLs, NodeFaults {
    public let kind = ProviderKind.minikube
    public let context: ProviderContext
    public let profile: String
    /// `LABRUN_MINIKUBE_CPUS`, when set.
    public let cpus: Int?
    /// `LABRUN_MINIKUBE_MEMORY` (MB), when set.
    public let memoryMB: Int?
    public let driver: String?
    public let cni: String
    public let kubernetesVersion: String?

    /// What labrun asks for when Docker has room for it.
    public static let preferredCPUs = 4
    public static let preferredMemoryMB = 8192
    /// minikube's own floor (`RSRC_INSUFFICIENT_REQ_MEMORY` below it).
    public static let minimumMemoryMB = 1800

    public init(context: ProviderContext) {
        self.context = context
        let env = context.environment
        func setting(_ key: String) -> String? { env[key].flatMap { $0.isEmpty ? nil : $0 } }
        profile = setting("LABRUN_MINIKUBE_PROFILE") ?? "labrun"
        cpus = setting("LABRUN_MINIKUBE_CPUS").flatMap(Int.init)
        memoryMB = setting("LABRUN_MINIKUBE_MEMORY").flatMap(Int.init)
        driver = setting("LABRUN_MINIKUBE_DRIVER")
        cni = setting("LABRUN_MINIKUBE_CNI") ?? "calico"
        kubernetesVersion = setting("LABRUN_KUBERNETES_VERSION")
    }

    var runner: any ProcessRunner { context.runner }

    func minikube(_ arguments: [String], timeout: Double? = 120) -> Command {
        Command("minikube", arguments + ["--profile", profile], timeout: timeout)
    }

    /// Whether the node runs in Docker (the `docker` driver, minikube's default where Docker is
    /// installed): then its size is bounded by what Docker has, and minikube refuses to run as root.
    public var usesDockerDriver: Bool { driver == nil || driver == "docker" }

    // MARK: commands (exposed for tests: exactly what would run)

    public func startCommand(cpus: Int, memoryMB: Int) -> Command {
        var args = ["start", "--cpus", String(cpus), "--memory", String(memoryMB), "--cni", cni,
                    "--addons", "metrics-server", "--wait", "all"]
        if let driver { args += ["--driver", driver] }
        if let kubernetesVersion { args += ["--kubernetes-version", kubernetesVersion] }
        return minikube(args, timeout: 900)
    }
    /// Docker's CPUs and memory (bytes), as `docker info` reports them (Docker Desktop's VM, or the host).
    public var dockerInfoCommand: Command { Command("docker", ["info", "--format", "{{.NCPU}} {{.MemTotal}}"], timeout: 30) }
    public var statusCommand: Command { minikube(["status", "--output", "json"], timeout: 60) }
    public var profileListCommand: Command { Command("minikube", ["profile", "list", "--output", "json"], timeout: 60) }
    public var stopCommand: Command { minikube(["stop"], timeout: 300) }
    /// `minikube node stop|start NODE`; Minikube has no command for a partition.
    public func nodeFaultCommand(_ fault: NodeFault, node: String) -> Command? {
        switch fault {
        case .stop, .start: minikube(["node", fault.rawValue, node], timeout: 300)
        case .cut, .heal: nil
        }
    }
    public var deleteCommand: Command { minikube(["delete"], timeout: 300) }
    public var imageListCommand: Command { minikube(["image", "ls", "--format", "short"], timeout: 120) }
    public func imageLoadCommand(_ reference: String) -> Command { minikube(["image", "load", reference], timeout: 600) }

    // MARK: sizing

    /// The CPUs and memory to start with: the settings when given; else labrun's preference bounded
    /// by what Docker has (all its CPUs, three quarters of its memory) with the docker driver.
    public func size() async throws -> (cpus: Int, memoryMB: Int) {
        var chosen = (cpus: cpus ?? Self.preferredCPUs, memoryMB: memoryMB ?? Self.preferredMemoryMB)
        guard usesDockerDriver, cpus == nil || memoryMB == nil else { return chosen }
        let output = try await runner.run(dockerInfoCommand)
        guard output.succeeded, let docker = Self.parseDockerInfo(output.standardOutput) else { return chosen }
        if cpus == nil { chosen.cpus = max(1, min(chosen.cpus, docker.cpus)) }
        if memoryMB == nil {
            chosen.memoryMB = min(chosen.memoryMB, docker.memoryMB * 3 / 4)
            guard chosen.memoryMB >= Self.minimumMemoryMB else {
                throw LabrunError(
                    id: ErrorID.minikubeTooSmall, exitCode: ExitCode.unavailable,
                    message: "Docker has \(docker.memoryMB) MB of memory; a Minikube node needs at least \(Self.minimumMemoryMB) MB and the stack about 4096 MB.",
                    advice: "Give Docker more memory (Docker Desktop: Settings → Resources → Memory, 8 GB or more), or set LABRUN_MINIKUBE_MEMORY to override.")
            }
        }
        return chosen
    }

    /// `NCPU MemTotal` (bytes) → CPUs and MB; nil when it is not that.
    public static func parseDockerInfo(_ text: String) -> (cpus: Int, memoryMB: Int)? {
        let fields = text.split(whereSeparator: \.isWhitespace)
        guard fields.count == 2, let cpus = Int(fields[0]), let bytes = Int(fields[1]), cpus > 0, bytes > 0 else { return nil }
        return (cpus, bytes / (1 << 20))
    }

    // MARK: ClusterProvider

    public func detect() async -> ProviderAvailability {
        guard let path = runner.which("minikube") else { return .no("`minikube` not found on PATH") }
        if context.isRoot && usesDockerDriver {
            return .no("`minikube` found at \(path), but its docker driver refuses to run as root (minikube's DRV_AS_ROOT)")
        }
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
            let size = try await self.size()
            context.say("starting Minikube profile \(profile) (\(size.cpus) CPUs, \(size.memoryMB) MB, CNI \(cni))")
            try await runner.check(startCommand(cpus: size.cpus, memoryMB: size.memoryMB), what: "Starting Minikube profile \(profile)")
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
        let size = try await self.size()
        try await runner.check(startCommand(cpus: size.cpus, memoryMB: size.memoryMB), what: "Starting Minikube profile \(profile)")
    }

    /// `minikube ssh --profile P [--node N] -- sudo …`: the node's shell as root (minikube's nodes
    /// are named like their Kubernetes nodes: `labrun`, `labrun-m02`).
    public func nodeCommand(_ arguments: [String], node: String?, timeout: Double) -> Command {
        Command("minikube", ["ssh", "--profile", profile] + (node.map { ["--node", $0] } ?? []) + ["--", "sudo"] + arguments,
                timeout: timeout)
    }

    /// `minikube service NAME --namespace NS --url --profile P`: prints the Service's URLs. With the
    /// docker driver on macOS and Windows (and rootless Docker) it opens a tunnel and keeps running
    /// until stopped; elsewhere it prints the node's address and exits.
    public func serviceURLCommand(service: String, namespace: String) -> Command {
        minikube(["service", service, "--namespace", namespace, "--url"], timeout: nil)
    }

    public func nodeAddress() async throws -> String {
        let output = try await runner.check(minikube(["ip"], timeout: 60), what: "Asking Minikube for its node address")
        return output.standardOutput.trimmingCharacters(in: .whitespacesAndNewlines)
    }
}
