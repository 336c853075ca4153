import Foundation
import LabrunCore

/// Kubernetes run directly on this Linux host by `cluster/bare/{up,down,status}` (root only). Node 1
/// (`labrun-bare`) runs pods on the host's Docker engine, so images built here are on it at once;
/// its address is the dummy link `labrun0` (10.250.0.1). Nodes 2..N (`up --nodes N`) each have an
/// engine of their own, which `cluster/bare/load-images` fills.
public struct BareProvider: ClusterProvider, ClusterStopStart, HostAccess, NodeAccess, ImageLoading, NodeFaults {
    /// Node 1, this host; the extra nodes are `labrun-bare-2`, `labrun-bare-3`, … (`cluster/bare/lib/nodes.sh`).
    public static let firstNode = "labrun-bare"
    public let kind = ProviderKind.bare
    public let context: ProviderContext

    public init(context: ProviderContext) { self.context = context }

    var runner: any ProcessRunner { context.runner }
    var scripts: String { context.layout.bareScripts }
    /// `LABRUN_BARE_DIR`, else `/var/lib/labrun/bare`.
    public var stateDirectory: String { context.environment["LABRUN_BARE_DIR"].flatMap { $0.isEmpty ? nil : $0 } ?? "/var/lib/labrun/bare" }
    public var address: String { context.environment["LABRUN_BARE_NODE_IP"].flatMap { $0.isEmpty ? nil : $0 } ?? "10.250.0.1" }

    /// The first `up` builds Kubernetes from source (8-10 minutes on 2 cores); allow well beyond that.
    public var upCommand: Command { Command(scripts + "/up", timeout: 3600) }
    public var downCommand: Command { Command(scripts + "/down", timeout: 600) }
    /// Stops the cluster for a restart: the node keeps its address and the routes and chains that
    /// refuse traffic for the cluster's networks, so the stack's clients are refused at once while it
    /// is down, and nothing they send is routed out of the machine.
    public var stopCommand: Command { Command(scripts + "/down", ["--keep-network"], timeout: 600) }
    public var statusCommand: Command { Command(scripts + "/status", timeout: 60) }
    public func loadCommand(_ references: [String]) -> Command { Command(scripts + "/load-images", references, timeout: 1800) }

    public func detect() async -> ProviderAvailability {
        guard context.isLinux else { return .no("the bare cluster runs only on Linux") }
        guard FileManager.default.isExecutableFile(atPath: scripts + "/up") else {
            return .no("the bare cluster scripts are missing from \(scripts)")
        }
        guard context.isRoot else { return .no("the bare cluster needs root (it starts system daemons and changes iptables)") }
        return .yes("Linux, root, and \(scripts)/up present")
    }

    public func status() async throws -> ClusterState {
        let output = try await runner.run(statusCommand)
        let report = BareClusterStatus.parse(output.standardOutput)
        let phase = BareClusterStatus.state(of: report, exitCode: output.exitCode)
        let down = report.components.filter { !$0.up }.map(\.name)
        var detail: String
        switch phase {
        case .running: detail = "\(report.components.count) components up, node Ready"
        case .stopped: detail = "no component runs"
        case .degraded, .absent:
            detail = down.isEmpty ? "" : "down: \(down.joined(separator: ", "))"
            if let node = report.nodeLine { detail += (detail.isEmpty ? "" : "; ") + node }
        }
        return ClusterState(phase: phase, detail: detail, kubernetesVersion: "v1.20.2",
                            containerRuntime: "docker", nodeAddress: address)
    }

    public func create() async throws -> CreateOutcome {
        let before = try await status()
        if before.isRunning { return .alreadyRunning }
        context.say("starting the bare cluster (on a fresh machine this first builds Kubernetes: about 10 minutes; logs in \(stateDirectory)/logs)")
        try await runner.check(upCommand, what: "Starting the bare cluster")
        return before.phase == .stopped ? .created : .started
    }

    public func kubeconfig() async throws -> KubeconfigTarget {
        KubeconfigTarget(path: stateDirectory + "/admin.kubeconfig")
    }

    public func destroy(_ outcome: CreateOutcome) async throws {
        guard outcome.startedByLabrun else { return }
        try await runner.check(downCommand, what: "Stopping the bare cluster")
    }

    public func stopCluster() async throws {
        try await runner.check(stopCommand, what: "Stopping the bare cluster")
    }

    public func startCluster() async throws {
        try await runner.check(upCommand, what: "Starting the bare cluster")
    }

    public func nodeAddress() async throws -> String { address }

    /// Node 1 is this host, with the control plane: the script refuses it (exit 2), so it is not offered.
    public func nodeFaultCommand(_ fault: NodeFault, node: String) -> Command? {
        guard node != Self.firstNode else { return nil }
        return Command(scripts + "/node", [fault.rawValue, node], timeout: 180)
    }

    /// Nothing to do on one node; extra nodes get the images they lack (`docker save | docker load`).
    public func loadImages(_ references: [String]) async throws {
        guard !references.isEmpty else { return }
        try await runner.check(loadCommand(references), what: "Copying images to the bare cluster's extra nodes")
    }

    /// Every node is on this host, and labrun runs as root here: the command runs as it is, except
    /// that a `docker` command for an extra node goes to that node's own engine (its socket is
    /// `<state>/run/<node>/docker.sock`, as `cluster/bare/lib/nodes.sh` makes it).
    public func nodeCommand(_ arguments: [String], node: String?, timeout: Double) -> Command {
        var arguments = arguments
        if let node, node != Self.firstNode, arguments.first == "docker",
           node.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "-" || $0 == "." }) {
            arguments.insert(contentsOf: ["--host", "unix://\(stateDirectory)/run/\(node)/docker.sock"], at: 1)
        }
        return Command(arguments.first ?? "true", Array(arguments.dropFirst()), timeout: timeout)
    }
}
