import Foundation

/// The addresses this machine's interfaces carry: a request to one of them is delivered on this
/// machine and never crosses a wire (the bare cluster's node address is one — its NodePorts lead to
/// pods on this machine's bridge), so credentials may go there over plain HTTP as to loopback.
///
/// The list is read with `getifaddrs` at most every quarter of a second: cheap enough to ask
/// before every request, and fresh enough to notice a link that went away (after the bare cluster's
/// `down`, its node address would be reached through the default route, off this machine).
public enum HostAddresses {
    private static let cache = Cache()

    /// Whether an interface of this host carries `address` (numeric IPv4 or IPv6, brackets allowed) right now.
    public static func isLocal(_ address: String) -> Bool {
        let address = address.lowercased().trimmingCharacters(in: CharacterSet(charactersIn: "[]"))
        return cache.addresses().contains(address)
    }

    /// The numeric addresses of every interface, read now.
    public static func current() -> Set<String> {
        var list: UnsafeMutablePointer<ifaddrs>?
        guard getifaddrs(&list) == 0, let first = list else { return [] }
        defer { freeifaddrs(list) }
        var found = Set<String>()
        var cursor: UnsafeMutablePointer<ifaddrs>? = first
        while let entry = cursor {
            defer { cursor = entry.pointee.ifa_next }
            guard let socketAddress = entry.pointee.ifa_addr else { continue }
            let family = Int32(socketAddress.pointee.sa_family)
            guard family == AF_INET || family == AF_INET6 else { continue }
            var host = [CChar](repeating: 0, count: Int(NI_MAXHOST))
            let length = socklen_t(family == AF_INET ? MemoryLayout<sockaddr_in>.size : MemoryLayout<sockaddr_in6>.size)
            guard getnameinfo(socketAddress, length, &host, socklen_t(host.count), nil, 0, NI_NUMERICHOST) == 0 else { continue }
            let text = String(decoding: host.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
            // A link-local IPv6 address comes with its zone (`fe80::1%eth0`); the zone is not part of a URL's host.
            found.insert(String(text.split(separator: "%", maxSplits: 1).first ?? "").lowercased())
        }
        return found
    }

    private final class Cache: @unchecked Sendable {
        private let lock = NSLock()
        private var readAt = -Double.infinity
        private var known: Set<String> = []

        func addresses() -> Set<String> {
            let now = ProcessInfo.processInfo.systemUptime
            return lock.withLock {
                if now - readAt > 0.25 {
                    known = HostAddresses.current()
                    readAt = now
                }
                return known
            }
        }
    }
}
