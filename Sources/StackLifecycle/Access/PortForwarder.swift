import ClusterProviders
import Foundation
import LabrunCore

/// Reaches a Service from the host through `kubectl port-forward` on 127.0.0.1, for code that
/// runs while labrun runs (scenarios, tests). Each forward is a background process registered
/// with a `CleanupStack`, so it is stopped on success, failure and Ctrl-C. (`labrun up` prefers
/// NodePort URLs, which outlive the command; otherwise it prints this command for the user to run.)
public struct PortForwarder: Sendable {
    public let runner: any ProcessRunner
    public let kubeconfig: KubeconfigTarget
    public let namespace: String
    public let clock: any LabClock
    /// `kubectl` on PATH unless told otherwise.
    public let kubectl: String
    /// Whether something accepts connections on 127.0.0.1:port (unit tests inject one).
    public let accepts: @Sendable (Int) async -> Bool

    public init(runner: any ProcessRunner, kubeconfig: KubeconfigTarget, namespace: String,
                clock: any LabClock = SystemClock(), kubectl: String = "kubectl",
                accepts: @escaping @Sendable (Int) async -> Bool = { PortForwarder.accepts(port: $0) }) {
        self.accepts = accepts
        self.runner = runner
        self.kubeconfig = kubeconfig
        self.namespace = namespace
        self.clock = clock
        self.kubectl = kubectl
    }

    public func command(service: String, localPort: Int, remotePort: Int) -> Command {
        Command(kubectl, kubeconfig.kubectlArguments + ["--namespace", namespace, "port-forward", "--address", "127.0.0.1",
                                                        "service/\(service)", "\(localPort):\(remotePort)"])
    }

    /// Starts a forward to `service:remotePort` on a free local port, waits until it accepts
    /// connections, registers its stop with `cleanup`, and returns `127.0.0.1:PORT`.
    public func start(service: String, remotePort: Int, cleanup: CleanupStack, logPath: String? = nil) async throws -> String {
        let port = try Self.freeLocalPort()
        let process = try await runner.start(command(service: service, localPort: port, remotePort: remotePort), logPath: logPath)
        cleanup.register("stop port-forward to \(namespace)/\(service)") { await process.stop(grace: 3) }
        try await Wait(timeout: 30, interval: 0.2, clock: clock).until("port-forward to \(namespace)/\(service) on 127.0.0.1:\(port)") {
            guard await process.isRunning() else {
                throw LabrunError(id: ErrorID.portForwardFailed, exitCode: ExitCode.external,
                                  message: "`\(process.command)` exited before it forwarded anything.",
                                  advice: logPath.map { "Its output is in \($0)." } ?? "Run the command by hand to see why.")
            }
            return await accepts(port)
        }
        return "127.0.0.1:\(port)"
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
