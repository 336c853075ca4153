import Foundation
import LabrunCore

/// A kind cluster (default name `labrun`, override `LABRUN_KIND_CLUSTER`) with its kubeconfig
/// kept in labrun's state directory, so the user's own kubeconfig is left alone.
public struct KindProvider: ClusterProvider, ImageLoading, ClusterStopStart, HostAccess, NodeAccess, NodeFaults {
    public let kind = ProviderKind.kind
    public let context: ProviderContext
    public let clusterName: String

    public init(context: ProviderContext) {
        self.context = context
        clusterName = context.environment["LABRUN_KIND_CLUSTER"].flatMap { $0.isEmpty ? nil : $0 } ?? "labrun"
    }

    var runner: any ProcessRunner { context.runner }
    var kubeconfigPath: String { context.layout.stateDirectory + "/kind-\(clusterName).kubeconfig" }
    /// kind's single node is a Docker container with this name.
    var nodeContainer: String { "\(clusterName)-control-plane" }

    public var listCommand: Command { Command("kind", ["get", "clusters"], timeout: 60) }
    public var createCommand: Command {
        Command("kind", ["create", "cluster", "--name", clusterName, "--kubeconfig", kubeconfigPath, "--wait", "5m"], timeout: 900)
    }
    public var exportKubeconfigCommand: Command {
        Command("kind", ["export", "kubeconfig", "--name", clusterName, "--kubeconfig", kubeconfigPath], timeout: 60)
    }
    public var deleteCommand: Command {
        Command("kind", ["delete", "cluster", "--name", clusterName, "--kubeconfig", kubeconfigPath], timeout: 300)
    }
    public var nodeRunningCommand: Command {
        Command("docker", ["inspect", "--format", "{{.State.Running}}", nodeContainer], timeout: 30)
    }
    public func loadCommand(_ references: [String]) -> Command {
        Command("kind", ["load", "docker-image", "--name", clusterName] + references, timeout: 900)
    }
    public var imageListCommand: Command {
        Command("docker", ["exec", nodeContainer, "crictl", "images", "--output", "json"], timeout: 60)
    }

    public func detect() async -> ProviderAvailability {
        guard let path = runner.which("kind") else { return .no("`kind` not found on PATH") }
        guard runner.which("docker") != nil else { return .no("`kind` found at \(path) but `docker` is not on PATH") }
        return .yes("`kind` found at \(path)")
    }

    /// Names in `kind get clusters` (it prints "No kind clusters found." on standard error when empty).
    public static func parseClusters(_ text: String) -> [String] {
        text.split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) }
            .filter { !$0.isEmpty && !$0.hasPrefix("No kind clusters") }
    }

    public func status() async throws -> ClusterState {
        let clusters = Self.parseClusters(try await runner.check(listCommand, what: "Listing kind clusters").standardOutput)
        guard clusters.contains(clusterName) else {
            return ClusterState(phase: .absent, detail: "kind cluster \(clusterName) does not exist")
        }
        let running = try await runner.run(nodeRunningCommand)
        let isRunning = running.succeeded && running.standardOutput.trimmingCharacters(in: .whitespacesAndNewlines) == "true"
        return ClusterState(phase: isRunning ? .running : .stopped,
                            detail: "node container \(nodeContainer) " + (isRunning ? "running" : "stopped"),
                            containerRuntime: "containerd")
    }

    public func create() async throws -> CreateOutcome {
        switch try await status().phase {
        case .running:
            try await runner.check(exportKubeconfigCommand, what: "Writing the kubeconfig of kind cluster \(clusterName)")
            return .alreadyRunning
        case .stopped, .degraded:
            try await startCluster()
            return .started
        case .absent:
            context.say("creating kind cluster \(clusterName)")
            try FileManager.default.createDirectory(atPath: context.layout.stateDirectory, withIntermediateDirectories: true)
            try await runner.check(createCommand, what: "Creating kind cluster \(clusterName)")
            return .created
        }
    }

    public func kubeconfig() async throws -> KubeconfigTarget {
        KubeconfigTarget(path: kubeconfigPath, context: "kind-\(clusterName)")
    }

    public func destroy(_ outcome: CreateOutcome) async throws {
        switch outcome {
        case .alreadyRunning: return
        case .started: try await stopCluster()
        case .created: try await runner.check(deleteCommand, what: "Deleting kind cluster \(clusterName)")
        }
    }

    public func loadedImages() async throws -> Set<String> {
        let output = try await runner.check(imageListCommand, what: "Listing images in kind node \(nodeContainer)")
        guard let data = output.standardOutput.data(using: .utf8),
              let root = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else { return [] }
        let tags = (root["images"] as? [[String: Any]] ?? []).flatMap { $0["repoTags"] as? [String] ?? [] }
        return Set(tags.map(MinikubeOutput.normaliseImage))
    }

    public func loadImages(_ references: [String]) async throws {
        let present = try await loadedImages()
        let missing = references.filter { !present.contains(MinikubeOutput.normaliseImage($0)) }
        guard !missing.isEmpty else { return }
        try await runner.check(loadCommand(missing), what: "Loading images into kind cluster \(clusterName)")
    }

    public func stopCluster() async throws {
        try await runner.check(Command("docker", ["stop", nodeContainer], timeout: 120), what: "Stopping kind node \(nodeContainer)")
    }

    /// Starts the node container again and writes the cluster's kubeconfig, which a fresh state
    /// directory (or another machine's `kind create`) may not have.
    public func startCluster() async throws {
        try await runner.check(Command("docker", ["start", nodeContainer], timeout: 120), what: "Starting kind node \(nodeContainer)")
        try FileManager.default.createDirectory(atPath: context.layout.stateDirectory, withIntermediateDirectories: true)
        try await runner.check(exportKubeconfigCommand, what: "Writing the kubeconfig of kind cluster \(clusterName)")
    }

    /// kind's nodes are Docker containers named after the Kubernetes node (`labrun-control-plane`,
    /// `labrun-worker`), whose processes run as root: `docker exec <node> …` (as kind's own docs
    /// do with `crictl images`).
    public func nodeCommand(_ arguments: [String], node: String?, timeout: Double) -> Command {
        Command("docker", ["exec", node ?? nodeContainer] + arguments, timeout: timeout)
    }

    /// kind's nodes are containers on the `kind` Docker network, named as the Kubernetes nodes.
    public func nodeFaultCommand(_ fault: NodeFault, node: String) -> Command? {
        switch fault {
        case .stop: Command("docker", ["stop", node], timeout: 120)
        case .start: Command("docker", ["start", node], timeout: 120)
        case .cut: Command("docker", ["network", "disconnect", "kind", node], timeout: 60)
        case .heal: Command("docker", ["network", "connect", "kind", node], timeout: 60)
        }
    }

    public func nodeAddress() async throws -> String {
        let output = try await runner.check(
            Command("docker", ["inspect", "--format", "{{range .NetworkSettings.Networks}}{{.IPAddress}} {{end}}", nodeContainer], timeout: 30),
            what: "Reading the address of kind node \(nodeContainer)")
        return output.standardOutput.split(separator: " ").first.map(String.init) ?? ""
    }
}
