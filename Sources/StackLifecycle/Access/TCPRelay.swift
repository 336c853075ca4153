import Foundation
import LabrunCore

/// A TCP relay on 127.0.0.1 that hands each new connection to the next of several local upstream
/// ports, in turn — what kube-proxy does for a Service, here in front of one `kubectl port-forward`
/// per ready pod (`PortForwarder`). A `kubectl port-forward service/NAME` picks one pod for its whole
/// life: every request goes to that pod, and when a chaos step kills it, every later request fails
/// (measured: 75 % errors for the rest of a `chaos-pod-kill` run). Behind this relay a pod that dies
/// only drops out of the rotation, as it drops out of the Service's endpoints.
///
/// One thread runs a `poll(2)` loop over non-blocking sockets; each connection keeps at most 64 KiB
/// in flight per direction. Half-closes are passed on (`shutdown(SHUT_WR)`), so request/response
/// protocols that close their sending side work. `stop()` closes everything.
public final class TCPRelay: @unchecked Sendable {
    /// The port the relay listens on (127.0.0.1).
    public let port: Int
    private let listener: Int32
    private let wake: (read: Int32, write: Int32)
    private let lock = NSLock()
    private var upstreams: [Int] = []
    private var turn = 0
    private var stopped = false
    private var finished = false
    private var loopThread: Thread?

    /// Listens on a free port of 127.0.0.1 (not yet relaying: `start()`).
    public init() throws {
        let fd = socket(AF_INET, Platform.streamSocket, 0)
        guard fd >= 0 else { throw Self.failure("open a socket") }
        var on: Int32 = 1
        _ = setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, socklen_t(MemoryLayout<Int32>.size))
        var address = Self.loopback(port: 0)
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { pointer in
                bind(fd, pointer, length) == 0 && getsockname(fd, pointer, &length) == 0
            }
        }
        guard bound, listen(fd, 128) == 0 else {
            close(fd)
            throw Self.failure("listen on 127.0.0.1")
        }
        var pipeEnds: [Int32] = [0, 0]
        guard pipe(&pipeEnds) == 0 else {
            close(fd)
            throw Self.failure("make a pipe")
        }
        for end in [fd, pipeEnds[0], pipeEnds[1]] { Self.makeNonBlocking(end) }
        listener = fd
        wake = (pipeEnds[0], pipeEnds[1])
        port = Int(UInt16(bigEndian: address.sin_port))
    }

    deinit { stop() }

    /// The upstream ports new connections go to, in turn (connections already relayed stay where they are).
    public func setUpstreams(_ ports: [Int]) {
        lock.withLock { upstreams = ports }
    }

    public var currentUpstreams: [Int] { lock.withLock { upstreams } }

    /// Starts relaying on a thread of its own.
    public func start() {
        let thread = Thread { [self] in self.run() }
        thread.name = "labrun-relay-\(port)"
        lock.withLock { loopThread = thread }
        thread.start()
    }

    /// Stops relaying and closes the listener and every relayed connection.
    public func stop() {
        let alreadyStopped = lock.withLock { () -> Bool in
            defer { stopped = true }
            return stopped
        }
        guard !alreadyStopped else { return }
        let running = lock.withLock { loopThread != nil }
        if running {
            var byte: UInt8 = 1
            _ = write(wake.write, &byte, 1)
            // The loop closes the sockets on its way out; wait for it briefly so the port is free when stop returns.
            for _ in 0..<200 where !lock.withLock({ finished }) { usleep(5_000) }
        } else {
            closeAll([])
        }
    }

    // MARK: the loop

    /// One relayed connection: the client's socket, the upstream's, and what waits to be written each way.
    private final class Pair {
        var client: Int32
        var upstream: Int32
        var connecting = true
        var toUpstream: [UInt8] = []
        var toClient: [UInt8] = []
        var clientDone = false
        var upstreamDone = false
        var shutUpstream = false
        var shutClient = false
        init(client: Int32, upstream: Int32) {
            self.client = client
            self.upstream = upstream
        }
        var finished: Bool { clientDone && upstreamDone && toUpstream.isEmpty && toClient.isEmpty }
    }

    private static let chunk = 64 * 1024

    private func run() {
        var pairs: [Pair] = []
        var buffer = [UInt8](repeating: 0, count: Self.chunk)
        while !lock.withLock({ stopped }) {
            var fds = [pollfd(fd: listener, events: Int16(POLLIN), revents: 0), pollfd(fd: wake.read, events: Int16(POLLIN), revents: 0)]
            for pair in pairs {
                var clientEvents: Int32 = 0
                if !pair.clientDone && pair.toUpstream.isEmpty && !pair.connecting { clientEvents |= Int32(POLLIN) }
                if !pair.toClient.isEmpty { clientEvents |= Int32(POLLOUT) }
                var upstreamEvents: Int32 = 0
                if pair.connecting || !pair.toUpstream.isEmpty { upstreamEvents |= Int32(POLLOUT) }
                if !pair.upstreamDone && pair.toClient.isEmpty && !pair.connecting { upstreamEvents |= Int32(POLLIN) }
                fds.append(pollfd(fd: pair.client, events: Int16(clientEvents), revents: 0))
                fds.append(pollfd(fd: pair.upstream, events: Int16(upstreamEvents), revents: 0))
            }
            let ready = poll(&fds, nfds_t(fds.count), 1000)
            if ready < 0 && errno != EINTR { break }
            if ready <= 0 { continue }
            var closed: Set<ObjectIdentifier> = []
            for (index, pair) in pairs.enumerated() {
                let clientEvents = fds[2 + 2 * index].revents
                let upstreamEvents = fds[3 + 2 * index].revents
                if !step(pair, clientEvents: clientEvents, upstreamEvents: upstreamEvents, buffer: &buffer) {
                    close(pair.client)
                    close(pair.upstream)
                    closed.insert(ObjectIdentifier(pair))
                }
            }
            if !closed.isEmpty { pairs.removeAll { closed.contains(ObjectIdentifier($0)) } }
            // New connections after the existing ones: `fds` holds slots only for the pairs it was built with.
            if fds[0].revents & Int16(POLLIN) != 0 { pairs += acceptAll() }
        }
        closeAll(pairs)
    }

    private func closeAll(_ pairs: [Pair]) {
        for pair in pairs {
            close(pair.client)
            close(pair.upstream)
        }
        close(listener)
        close(wake.read)
        close(wake.write)
        lock.withLock { finished = true }
    }

    /// Accepts every waiting connection and starts its upstream connection (to the next port in turn).
    private func acceptAll() -> [Pair] {
        var accepted: [Pair] = []
        while true {
            let client = accept(listener, nil, nil)
            guard client >= 0 else { break }
            Self.makeNonBlocking(client)
            Platform.suppressSigpipe(client)
            let upstreamPort: Int? = lock.withLock {
                guard !upstreams.isEmpty else { return nil }
                defer { turn += 1 }
                return upstreams[turn % upstreams.count]
            }
            guard let upstreamPort, let upstream = Self.connectStart(port: upstreamPort) else {
                close(client)  // nowhere to send it: the client sees the connection closed, as with no endpoints
                continue
            }
            accepted.append(Pair(client: client, upstream: upstream))
        }
        return accepted
    }

    /// Moves data for one pair; false when the pair is done or broken and must be closed.
    private func step(_ pair: Pair, clientEvents: Int16, upstreamEvents: Int16, buffer: inout [UInt8]) -> Bool {
        if pair.connecting {
            guard upstreamEvents & Int16(POLLOUT | POLLERR | POLLHUP) != 0 else { return true }
            var error: Int32 = 0
            var length = socklen_t(MemoryLayout<Int32>.size)
            guard getsockopt(pair.upstream, SOL_SOCKET, SO_ERROR, &error, &length) == 0, error == 0 else { return false }
            pair.connecting = false
        }
        if clientEvents & Int16(POLLIN | POLLHUP) != 0 && !pair.clientDone && pair.toUpstream.isEmpty {
            switch Self.read(pair.client, into: &buffer) {
            case .data(let count): pair.toUpstream.append(contentsOf: buffer[0..<count])
            case .end: pair.clientDone = true
            case .wait: break
            case .failed: return false
            }
        }
        if upstreamEvents & Int16(POLLIN | POLLHUP) != 0 && !pair.upstreamDone && pair.toClient.isEmpty {
            switch Self.read(pair.upstream, into: &buffer) {
            case .data(let count): pair.toClient.append(contentsOf: buffer[0..<count])
            case .end: pair.upstreamDone = true
            case .wait: break
            case .failed: return false
            }
        }
        if (clientEvents | upstreamEvents) & Int16(POLLERR | POLLNVAL) != 0 { return false }
        guard Self.flush(&pair.toUpstream, to: pair.upstream), Self.flush(&pair.toClient, to: pair.client) else { return false }
        if pair.clientDone && pair.toUpstream.isEmpty && !pair.shutUpstream {
            shutdown(pair.upstream, Int32(SHUT_WR))
            pair.shutUpstream = true
        }
        if pair.upstreamDone && pair.toClient.isEmpty && !pair.shutClient {
            shutdown(pair.client, Int32(SHUT_WR))
            pair.shutClient = true
        }
        return !pair.finished
    }

    private enum ReadResult { case data(Int), end, wait, failed }

    private static func read(_ fd: Int32, into buffer: inout [UInt8]) -> ReadResult {
        let count = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, chunk, 0) }
        if count > 0 { return .data(count) }
        if count == 0 { return .end }
        return errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR ? .wait : .failed
    }

    /// Writes what it can of `pending` to `fd`; false when the peer is gone.
    private static func flush(_ pending: inout [UInt8], to fd: Int32) -> Bool {
        guard !pending.isEmpty else { return true }
        let sent = pending.withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Platform.sendFlags) }
        if sent > 0 {
            pending.removeFirst(sent)
            return true
        }
        return sent < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)
    }

    /// A non-blocking socket connecting to 127.0.0.1:`port` (the connection completes in the loop).
    private static func connectStart(port: Int) -> Int32? {
        let fd = socket(AF_INET, Platform.streamSocket, 0)
        guard fd >= 0 else { return nil }
        makeNonBlocking(fd)
        Platform.suppressSigpipe(fd)
        var address = loopback(port: port)
        let result = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard result == 0 || errno == EINPROGRESS else {
            close(fd)
            return nil
        }
        return fd
    }

    private static func loopback(port: Int) -> sockaddr_in {
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = UInt16(port).bigEndian
        return address
    }

    private static func makeNonBlocking(_ fd: Int32) {
        _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK)
    }

    private static func failure(_ what: String) -> LabrunError {
        LabrunError(id: ErrorID.noPort, exitCode: ExitCode.external,
                    message: "Could not \(what) for the local relay: \(String(cString: strerror(errno))).")
    }
}
