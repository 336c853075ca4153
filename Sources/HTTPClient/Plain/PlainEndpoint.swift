#if os(Linux)
import Foundation
import LabrunCore

/// Where the requests for one `host:port` go: its addresses, resolved once. The event loop keeps one
/// connection pool per endpoint, found by the endpoint's identity.
final class PlainEndpoint: @unchecked Sendable {
    let host: String
    let port: UInt16
    let authority: String
    /// In the resolver's order (an IPv6 and an IPv4 address for `localhost`, say); the loop tries the next
    /// one when a connection to one is refused.
    let addresses: [SocketAddress]

    init(host: String, port: UInt16, authority: String, addresses: [SocketAddress]) {
        self.host = host
        self.port = port
        self.authority = authority
        self.addresses = addresses
    }

    /// One socket address (IPv4 or IPv6) as `connect(2)` takes it.
    struct SocketAddress: Sendable, CustomStringConvertible {
        var storage = sockaddr_storage()
        var length: socklen_t = 0

        var family: Int32 { Int32(storage.ss_family) }

        /// A numeric IPv4 or IPv6 address, or nil when `host` is a name.
        init?(numeric host: String, port: UInt16) {
            var v4 = in_addr()
            var v6 = in6_addr()
            if inet_pton(AF_INET, host, &v4) == 1 {
                var address = sockaddr_in()
                address.sin_family = sa_family_t(AF_INET)
                address.sin_port = port.bigEndian
                address.sin_addr = v4
                self.init(address)
            } else if inet_pton(AF_INET6, host, &v6) == 1 {
                var address = sockaddr_in6()
                address.sin6_family = sa_family_t(AF_INET6)
                address.sin6_port = port.bigEndian
                address.sin6_addr = v6
                self.init(address)
            } else {
                return nil
            }
        }

        /// A copy of what `getaddrinfo` returned, with `port` set.
        init?(_ pointer: UnsafePointer<sockaddr>, length: socklen_t, port: UInt16) {
            switch Int32(pointer.pointee.sa_family) {
            case AF_INET:
                var address = pointer.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { $0.pointee }
                address.sin_port = port.bigEndian
                self.init(address)
            case AF_INET6:
                var address = pointer.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { $0.pointee }
                address.sin6_port = port.bigEndian
                self.init(address)
            default:
                return nil
            }
        }

        private init<Address>(_ address: Address) {
            var address = address
            withUnsafeMutableBytes(of: &storage) { target in
                withUnsafeBytes(of: &address) { target.copyMemory(from: $0) }
            }
            length = socklen_t(MemoryLayout<Address>.size)
        }

        /// `connect(2)` on `fd`: 0, or -1 with errno.
        func beginConnect(_ fd: Int32) -> Int32 {
            var storage = storage
            return withUnsafePointer(to: &storage) { pointer in
                pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, length) }
            }
        }

        /// `127.0.0.1:8080`, `[::1]:8080`.
        var description: String {
            var storage = storage
            var text = [CChar](repeating: 0, count: Int(INET6_ADDRSTRLEN) + 1)
            func written() -> String { String(decoding: text.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self) }
            return withUnsafePointer(to: &storage) { pointer in
                if family == AF_INET {
                    return pointer.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { address in
                        var raw = address.pointee.sin_addr
                        inet_ntop(AF_INET, &raw, &text, socklen_t(text.count))
                        return written() + ":\(UInt16(bigEndian: address.pointee.sin_port))"
                    }
                }
                return pointer.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { address in
                    var raw = address.pointee.sin6_addr
                    inet_ntop(AF_INET6, &raw, &text, socklen_t(text.count))
                    return "[" + written() + "]:\(UInt16(bigEndian: address.pointee.sin6_port))"
                }
            }
        }
    }
}

/// The endpoints of one client by authority, resolved on first use and kept: a numeric address at
/// once, a name with `getaddrinfo` on the submitting thread (once per name; a failure is kept for
/// `failureLifetime` seconds, so a load aimed at a name that does not resolve does not ask the resolver
/// thousands of times a second). Thread-safe.
final class PlainEndpointCache: @unchecked Sendable {
    private let lock = NSLock()
    private var endpoints: [String: PlainEndpoint] = [:]
    private var failures: [String: (error: LabrunError, until: Double)] = [:]
    static let failureLifetime = 10.0

    /// The endpoint of `target`; throws `HTTP_CONNECT` when its host does not resolve.
    func endpoint(for target: HTTPTarget, request: String) throws -> PlainEndpoint {
        let now = PlainClock.seconds()
        let cached: PlainEndpoint? = try lock.withLock {
            if let endpoint = endpoints[target.authority] { return endpoint }
            if let failure = failures[target.authority], failure.until > now { throw failure.error }
            return nil
        }
        if let cached { return cached }
        do {
            let endpoint = PlainEndpoint(host: target.host, port: target.port, authority: target.authority,
                                         addresses: try Self.resolve(target.host, port: target.port, request: request))
            return lock.withLock {
                if let raced = endpoints[target.authority] { return raced }
                endpoints[target.authority] = endpoint
                return endpoint
            }
        } catch let error as LabrunError {
            lock.withLock { failures[target.authority] = (error, now + Self.failureLifetime) }
            throw error
        }
    }

    static func resolve(_ host: String, port: UInt16, request: String) throws -> [PlainEndpoint.SocketAddress] {
        if let numeric = PlainEndpoint.SocketAddress(numeric: host, port: port) { return [numeric] }
        var hints = addrinfo()
        hints.ai_family = AF_UNSPEC
        hints.ai_socktype = Platform.streamSocket
        var list: UnsafeMutablePointer<addrinfo>?
        let code = getaddrinfo(host, nil, &hints, &list)
        defer { if let list { freeaddrinfo(list) } }
        var addresses: [PlainEndpoint.SocketAddress] = []
        var entry = code == 0 ? list : nil
        while let current = entry {
            if let raw = current.pointee.ai_addr,
               let address = PlainEndpoint.SocketAddress(raw, length: current.pointee.ai_addrlen, port: port) {
                addresses.append(address)
            }
            entry = current.pointee.ai_next
        }
        guard !addresses.isEmpty else {
            let reason = code == 0 ? "it has no IPv4 or IPv6 address" : String(cString: gai_strerror(code))
            throw LabrunError(id: ErrorID.httpConnect, exitCode: ExitCode.unavailable,
                              message: "Could not connect for \(request): the host \(TerminalText.quoted(host)) did not resolve (\(reason)).",
                              advice: "Check the host name in the URL, or use the service's IP address.")
        }
        return addresses
    }
}

/// Monotonic time for the engine's deadlines.
enum PlainClock {
    /// Nanoseconds since an arbitrary origin (CLOCK_MONOTONIC, as `SystemClock.now()`).
    static func nanoseconds() -> UInt64 {
        var time = timespec()
        clock_gettime(CLOCK_MONOTONIC, &time)
        return UInt64(time.tv_sec) * 1_000_000_000 + UInt64(time.tv_nsec)
    }

    static func seconds() -> Double { Double(nanoseconds()) / 1e9 }
}
#endif
