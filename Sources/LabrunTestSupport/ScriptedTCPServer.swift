import Foundation
import LabrunCore

/// A TCP server on 127.0.0.1 for the plain HTTP engine's tests: every connection it accepts runs
/// `script` on a thread of its own with blocking reads and writes, so a test says byte for byte what
/// the server answers — split writes, a close in the middle, no answer at all. Stopped by `stop()`.
public final class ScriptedTCPServer: @unchecked Sendable {
    public let port: Int
    private let listener: Int32
    private let script: @Sendable (ScriptedConnection) -> Void
    private let lock = NSLock()
    private var acceptedCount = 0
    private var live: [ScriptedConnection] = []
    private var stopped = false

    public var url: String { "http://127.0.0.1:\(port)" }

    /// Connections accepted so far.
    public var accepted: Int { lock.withLock { acceptedCount } }

    public init(script: @escaping @Sendable (ScriptedConnection) -> Void) throws {
        self.script = script
        let listener = socket(AF_INET, Platform.streamSocket, 0)
        self.listener = listener
        var on: Int32 = 1
        setsockopt(listener, SOL_SOCKET, SO_REUSEADDR, &on, socklen_t(MemoryLayout<Int32>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(listener, $0, length) == 0 && getsockname(listener, $0, &length) == 0
            }
        }
        guard listener >= 0, bound, listen(listener, 128) == 0 else {
            throw LabrunError(id: "TEST_SERVER", message: "The scripted test server could not listen: \(String(cString: strerror(errno))).")
        }
        port = Int(UInt16(bigEndian: address.sin_port))
        let thread = Thread { [self] in acceptLoop() }
        thread.start()
    }

    deinit { stop() }

    /// Stops accepting and closes every connection still open.
    public func stop() {
        let connections: [ScriptedConnection]? = lock.withLock {
            guard !stopped else { return nil }
            stopped = true
            return live
        }
        guard let connections else { return }
        // Wakes the accept loop, which closes the listener itself: closed here, its number could be reused by
        // another test's listener before the loop's next accept, and this server would take that one's connections.
        shutdown(listener, Int32(SHUT_RDWR))
        for connection in connections { connection.hangUp() }
    }

    /// Whether something accepts connections on 127.0.0.1:`port`.
    public static func canConnect(port: Int) -> Bool {
        let fd = socket(AF_INET, Platform.streamSocket, 0)
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        return withUnsafePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0 }
        }
    }

    private func acceptLoop() {
        while true {
            let fd = accept(listener, nil, nil)
            if fd < 0 {
                if errno == EINTR { continue }
                close(listener)
                return
            }
            var on: Int32 = 1
            setsockopt(fd, Int32(IPPROTO_TCP), TCP_NODELAY, &on, socklen_t(MemoryLayout<Int32>.size))
            let connection = ScriptedConnection(fd: fd, index: 0)
            let index: Int? = lock.withLock {
                guard !stopped else { return nil }
                acceptedCount += 1
                live.append(connection)
                return acceptedCount
            }
            guard let index else {
                connection.close()
                close(listener)
                return
            }
            connection.index = index
            let script = script
            Thread {
                script(connection)
                connection.close()
            }.start()
        }
    }
}

/// One accepted connection of a `ScriptedTCPServer`, as the script sees it.
public final class ScriptedConnection: @unchecked Sendable {
    private let fd: Int32
    private let lock = NSLock()
    private var closed = false
    private var buffer: [UInt8] = []
    /// 1 for the first connection the server accepted, 2 for the second…
    public fileprivate(set) var index: Int

    fileprivate init(fd: Int32, index: Int) {
        self.fd = fd
        self.index = index
    }

    /// Reads one request (its head, and a body as long as its Content-Length); nil when the client closed.
    @discardableResult
    public func readRequest() -> String? {
        while true {
            if let end = find([0x0D, 0x0A, 0x0D, 0x0A]) {
                let head = String(decoding: buffer[0..<end], as: UTF8.self)
                let length = head.split(separator: "\r\n").first { $0.lowercased().hasPrefix("content-length:") }
                    .flatMap { Int($0.split(separator: ":")[1].trimmingCharacters(in: .whitespaces)) } ?? 0
                let whole = end + 4 + length
                while buffer.count < whole { guard fill() else { return nil } }
                let request = String(decoding: buffer[0..<whole], as: UTF8.self)
                buffer.removeFirst(whole)
                return request
            }
            guard fill() else { return nil }
        }
    }

    /// Writes `text` (UTF-8) as it is.
    public func write(_ text: String) { write(Array(text.utf8)) }

    public func write(_ bytes: [UInt8]) {
        var offset = 0
        while offset < bytes.count {
            let count = bytes[offset...].withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Platform.sendFlags) }
            if count <= 0 { return }
            offset += count
        }
    }

    /// Writes `text` one piece of `size` bytes at a time, pausing between pieces so that they arrive apart.
    public func writeSplit(_ text: String, size: Int = 1) {
        let bytes = Array(text.utf8)
        var offset = 0
        while offset < bytes.count {
            write(Array(bytes[offset..<min(offset + size, bytes.count)]))
            offset += size
            usleep(2_000)
        }
    }

    /// Waits until the client closes the connection (or `seconds` pass).
    public func waitForClose(seconds: Double = 10) {
        var pollfd = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        let deadline = Date().addingTimeInterval(seconds)
        var byte: UInt8 = 0
        while Date() < deadline {
            guard poll(&pollfd, 1, 100) >= 0 else { return }
            if pollfd.revents != 0, recv(fd, &byte, 1, 0) <= 0 { return }
        }
    }

    /// Closes the connection (the client sees the end of the stream).
    public func close() {
        lock.withLock {
            guard !closed else { return }
            closed = true
            shutdown(fd, Int32(SHUT_RDWR))
            _ = Foundation.close(fd)
        }
    }

    /// Ends the connection from another thread: a blocked read returns; the script's thread closes it.
    fileprivate func hangUp() {
        lock.withLock {
            if !closed { shutdown(fd, Int32(SHUT_RDWR)) }
        }
    }

    private func fill() -> Bool {
        var chunk = [UInt8](repeating: 0, count: 16 * 1024)
        let count = recv(fd, &chunk, chunk.count, 0)
        guard count > 0 else { return false }
        buffer.append(contentsOf: chunk[0..<count])
        return true
    }

    private func find(_ pattern: [UInt8]) -> Int? {
        guard buffer.count >= pattern.count else { return nil }
        for start in 0...(buffer.count - pattern.count) where buffer[start..<(start + pattern.count)].elementsEqual(pattern) {
            return start
        }
        return nil
    }
}
