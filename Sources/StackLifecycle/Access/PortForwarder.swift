import ClusterProviders
import Foundation
import LabrunCore

/// Reaches a Service from the host through `kubectl port-forward` on 127.0.0.1, for code that
/// runs while labrun runs (scenarios, tests), the way kube-proxy would: one forward per ready pod
/// behind the Service, and a local `TCPRelay` that hands each new connection to the next of them.
/// The pods are followed through the Service's Endpoints (read every half second), so a pod that
/// dies or turns unready leaves the rotation and its successor joins it — a chaos step that kills a
/// pod costs the requests that pod had, not every request after it (a `port-forward service/NAME`
/// stays on one pod and fails once that pod is gone). Every forward and the relay are registered
/// with a `CleanupStack`, so they stop on success, failure and Ctrl-C. (`labrun up` prefers
/// NodePort URLs, which outlive the command; otherwise it prints `command(service:…)` for the user.)
public struct PortForwarder: Sendable {
    public let runner: any ProcessRunner
    public let kubeconfig: KubeconfigTarget
    public let namespace: String
    public let clock: any LabClock
    /// `kubectl` on PATH unless told otherwise.
    public let kubectl: String
    /// Whether something accepts connections on 127.0.0.1:port (unit tests inject one).
    public let accepts: @Sendable (Int) async -> Bool
    /// The ready pods behind a Service and the pods' port for the Service's port (from its Endpoints);
    /// nil while the Service has no Endpoints object.
    public let readyPods: @Sendable (_ service: String, _ port: Int) async throws -> ReadyPods?

    /// The ready pods behind a Service port.
    public struct ReadyPods: Sendable, Equatable {
        public var pods: [String]
        public var targetPort: Int
        public init(pods: [String], targetPort: Int) {
            self.pods = pods
            self.targetPort = targetPort
        }
    }

    public init(runner: any ProcessRunner, kubeconfig: KubeconfigTarget, namespace: String,
                clock: any LabClock = SystemClock(), kubectl: String = "kubectl",
                accepts: @escaping @Sendable (Int) async -> Bool = { PortForwarder.accepts(port: $0) },
                readyPods: @escaping @Sendable (_ service: String, _ port: Int) async throws -> ReadyPods? = { _, _ in nil }) {
        self.accepts = accepts
        self.runner = runner
        self.kubeconfig = kubeconfig
        self.namespace = namespace
        self.clock = clock
        self.kubectl = kubectl
        self.readyPods = readyPods
    }

    /// The command a user runs to reach `service` on `localPort` (one pod, for as long as it lives).
    public func command(service: String, localPort: Int, remotePort: Int) -> Command {
        command(target: "service/\(service)", localPort: localPort, remotePort: remotePort)
    }

    /// The command that forwards 127.0.0.1:`localPort` to `remotePort` of `target` (`service/NAME`, `pod/NAME`).
    public func command(target: String, localPort: Int, remotePort: Int) -> Command {
        Command(kubectl, kubeconfig.kubectlArguments + ["--namespace", namespace, "port-forward", "--address", "127.0.0.1",
                                                        target, "\(localPort):\(remotePort)"])
    }

    /// Starts the relay and the forwards to the ready pods of `service:remotePort`, waits until one
    /// accepts connections, registers their stop with `cleanup`, and returns the relay's `127.0.0.1:PORT`.
    public func start(service: String, remotePort: Int, cleanup: CleanupStack) async throws -> String {
        let relay = try TCPRelay()
        relay.start()
        let forwards = PodForwards(forwarder: self, service: service, port: remotePort, relay: relay)
        cleanup.register("stop port-forwards to \(namespace)/\(service)") {
            relay.stop()
            await forwards.stopAll()
        }
        try await Wait(timeout: 60, interval: 0.5, clock: clock).until("a port-forward to a ready pod of \(namespace)/\(service)") {
            () async throws -> Poll<Bool> in
            let seen = try await forwards.sync()
            return relay.currentUpstreams.isEmpty ? .pending(seen) : .done(true)
        }
        let follow = Task { await forwards.follow() }
        cleanup.register("stop following the pods of \(namespace)/\(service)") {
            follow.cancel()
            await follow.value
        }
        return "127.0.0.1:\(relay.port)"
    }

    /// A TCP port on 127.0.0.1 that nothing listens on now.
    public static func freeLocalPort() throws -> Int {
        let fd = socket(AF_INET, Platform.streamSocket, 0)
        guard fd >= 0 else { throw LabrunError(id: ErrorID.noPort, message: "Could not open a socket to find a free port.") }
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { pointer -> Bool in
                bind(fd, pointer, length) == 0 && getsockname(fd, pointer, &length) == 0
            }
        }
        guard bound else { throw LabrunError(id: ErrorID.noPort, message: "Could not find a free port on 127.0.0.1.") }
        return Int(UInt16(bigEndian: address.sin_port))
    }

    /// Whether something accepts TCP connections on 127.0.0.1:`port`.
    public static func accepts(port: Int) -> Bool {
        let fd = socket(AF_INET, Platform.streamSocket, 0)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = UInt16(port).bigEndian
        return withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0 }
        }
    }
}

/// The forwards behind one relay: one `kubectl port-forward pod/NAME` per ready pod of the Service,
/// started when the pod appears in its Endpoints, stopped when it leaves them or its process ends.
actor PodForwards {
    let forwarder: PortForwarder
    let service: String
    let port: Int
    let relay: TCPRelay
    private var forwards: [String: (process: any BackgroundProcess, port: Int, accepting: Bool)] = [:]

    init(forwarder: PortForwarder, service: String, port: Int, relay: TCPRelay) {
        self.forwarder = forwarder
        self.service = service
        self.port = port
        self.relay = relay
    }

    /// Brings the forwards in line with the Service's ready pods and hands the relay those that accept;
    /// returns what it saw (for a wait's message). A forward that cannot be started throws.
    @discardableResult
    func sync() async throws -> String {
        let namespace = forwarder.namespace
        guard let ready = try await forwarder.readyPods(service, port) else { return "Service \(namespace)/\(service) has no Endpoints yet" }
        for (pod, forward) in forwards {
            let running = await forward.process.isRunning()
            guard !running || !ready.pods.contains(pod) else { continue }
            await forward.process.stop(grace: 1)
            forwards[pod] = nil
        }
        for pod in ready.pods where forwards[pod] == nil {
            let local = try PortForwarder.freeLocalPort()
            let process = try await forwarder.runner.start(forwarder.command(target: "pod/\(pod)", localPort: local, remotePort: ready.targetPort),
                                                          logPath: nil)
            forwards[pod] = (process, local, false)
        }
        for (pod, forward) in forwards where !forward.accepting {
            if await forwarder.accepts(forward.port) { forwards[pod]?.accepting = true }
        }
        relay.setUpstreams(forwards.keys.sorted().compactMap { forwards[$0].flatMap { $0.accepting ? $0.port : nil } })
        return ready.pods.isEmpty ? "no ready pod behind \(namespace)/\(service)"
            : "ready pods \(ready.pods.joined(separator: ", ")); forwarding \(relay.currentUpstreams.count)"
    }

    /// Syncs every half second until cancelled; a failed read of the Endpoints (the API server away
    /// during a cluster restart) keeps the forwards as they are until the next one.
    func follow() async {
        while !Task.isCancelled {
            _ = try? await sync()
            try? await forwarder.clock.sleep(seconds: 0.5)
        }
    }

    func stopAll() async {
        relay.setUpstreams([])
        for forward in forwards.values { await forward.process.stop(grace: 1) }
        forwards = [:]
    }
}
