import ClusterProviders
import Foundation
import LabrunCore
import LabrunTestSupport
@testable import StackLifecycle
import Testing

/// The relay in front of the per-pod port-forwards, on real loopback sockets; and the follower that
/// keeps one forward per ready pod, with a recording runner.
@Suite struct TCPRelayTests {
    /// A server on 127.0.0.1 that reads a request until the client closes its side, then answers
    /// "<name>:<request>" and closes.
    final class NamedServer: @unchecked Sendable {
        let name: String
        let fd: Int32
        let port: Int

        init(_ name: String) throws {
            self.name = name
            fd = socket(AF_INET, Platform.streamSocket, 0)
            var address = sockaddr_in()
            address.sin_family = sa_family_t(AF_INET)
            address.sin_addr.s_addr = inet_addr("127.0.0.1")
            var length = socklen_t(MemoryLayout<sockaddr_in>.size)
            let fd = self.fd
            let ok = withUnsafeMutablePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) == 0 && getsockname(fd, $0, &length) == 0 }
            }
            try #require(ok && listen(fd, 16) == 0)
            port = Int(UInt16(bigEndian: address.sin_port))
            let thread = Thread { [name] in
                while true {
                    let client = accept(fd, nil, nil)
                    guard client >= 0 else { return }
                    let request = TCPRelayTests.readAll(client)
                    TCPRelayTests.writeAll(client, Array("\(name):".utf8) + request)
                    close(client)
                }
            }
            thread.start()
        }

        func stop() { shutdown(fd, Int32(SHUT_RDWR)); close(fd) }
    }

    static func readAll(_ fd: Int32) -> [UInt8] {
        var out: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65536)
        while true {
            let count = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, 65536, 0) }
            if count <= 0 { return out }
            out += buffer[0..<count]
        }
    }

    static func writeAll(_ fd: Int32, _ bytes: [UInt8]) {
        var offset = 0
        while offset < bytes.count {
            let sent = bytes[offset...].withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Platform.sendFlags) }
            if sent <= 0 { return }
            offset += sent
        }
    }

    /// Sends `request` through the relay, closes the sending side, returns the whole answer.
    static func exchange(_ port: Int, _ request: [UInt8]) throws -> [UInt8] {
        let fd = socket(AF_INET, Platform.streamSocket, 0)
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = UInt16(port).bigEndian
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0 }
        }
        try #require(connected)
        writeAll(fd, request)
        shutdown(fd, Int32(SHUT_WR))
        return readAll(fd)
    }

    @Test func connectionsGoToEachUpstreamInTurn() throws {
        let a = try NamedServer("a"), b = try NamedServer("b")
        defer { a.stop(); b.stop() }
        let relay = try TCPRelay()
        relay.start()
        defer { relay.stop() }
        relay.setUpstreams([a.port, b.port])
        let answers = try (0..<4).map { String(decoding: try Self.exchange(relay.port, Array("hi\($0)".utf8)), as: UTF8.self) }
        #expect(answers == ["a:hi0", "b:hi1", "a:hi2", "b:hi3"])
    }

    @Test func aLargeRequestArrivesWholeBothWays() throws {
        let a = try NamedServer("a")
        defer { a.stop() }
        let relay = try TCPRelay()
        relay.start()
        defer { relay.stop() }
        relay.setUpstreams([a.port])
        let request = (0..<3_000_000).map { UInt8(truncatingIfNeeded: $0 &* 31) }
        let answer = try Self.exchange(relay.port, request)
        #expect(answer.count == request.count + 2)
        #expect(Array(answer.dropFirst(2)) == request)
    }

    @Test func withNoUpstreamTheConnectionIsClosedAndAnUpstreamThatLeavesGetsNoMore() throws {
        let a = try NamedServer("a"), b = try NamedServer("b")
        defer { a.stop(); b.stop() }
        let relay = try TCPRelay()
        relay.start()
        defer { relay.stop() }
        #expect(try Self.exchange(relay.port, Array("x".utf8)).isEmpty)
        relay.setUpstreams([a.port, b.port])
        relay.setUpstreams([b.port])
        let answers = try (0..<3).map { _ in String(decoding: try Self.exchange(relay.port, Array("y".utf8)), as: UTF8.self) }
        #expect(answers == ["b:y", "b:y", "b:y"])
    }

    @Test func stopFreesThePort() throws {
        let relay = try TCPRelay()
        relay.start()
        let port = relay.port
        #expect(PortForwarder.accepts(port: port))
        relay.stop()
        #expect(!PortForwarder.accepts(port: port))
    }

    /// Ready pods as the Endpoints would say, changed by the test between syncs.
    final class Pods: @unchecked Sendable {
        private let lock = NSLock()
        private var value: [String] = []
        var pods: [String] {
            get { lock.withLock { value } }
            set { lock.withLock { value = newValue } }
        }
    }

    @Test func oneForwardPerReadyPodFollowingTheEndpoints() async throws {
        let runner = RecordingProcessRunner()
        let pods = Pods()
        pods.pods = ["backend-a", "backend-b"]
        let forwarder = PortForwarder(runner: runner, kubeconfig: .init(path: "/k", context: nil), namespace: "ns",
                                      accepts: { _ in true },
                                      readyPods: { service, port in
                                          #expect(service == "backend" && port == 80)
                                          return PortForwarder.ReadyPods(pods: pods.pods, targetPort: 8000)
                                      })
        let relay = try TCPRelay()
        defer { relay.stop() }
        let forwards = PodForwards(forwarder: forwarder, service: "backend", port: 80, relay: relay)
        try await forwards.sync()
        #expect(runner.commandLines.count == 2)
        #expect(runner.commandLines.allSatisfy { $0.contains("port-forward --address 127.0.0.1 pod/backend-") && $0.hasSuffix(":8000") })
        let before = Set(relay.currentUpstreams)
        #expect(before.count == 2)

        pods.pods = ["backend-b", "backend-c"]  // a was killed, c replaced it
        try await forwards.sync()
        let started = runner.commands
        #expect(started.count == 3 && started[2].arguments.contains("pod/backend-c"))
        let after = Set(relay.currentUpstreams)
        #expect(after.count == 2 && after.intersection(before).count == 1, "b's forward stays, a's leaves, c's joins")

        pods.pods = []
        try await forwards.sync()
        #expect(relay.currentUpstreams.isEmpty)
        await forwards.stopAll()
    }
}
