import Foundation
import ScenarioModel

/// Keeps traffic on this host: answers whether an address (the bare cluster's node address) is
/// assigned to a local interface right now. After a plain `down` of the bare cluster its node link is
/// gone (a restart keeps it: `down --keep-network`), and a request to the node address would leave
/// the machine by the default route; the load and the probes check this first and record a
/// connection failure instead of sending.
///
/// The answer is cached for a quarter of a second, so checking before every request is cheap.
public final class LocalAddressGuard: @unchecked Sendable {
    public let address: String
    private let lock = NSLock()
    private var checkedAt: Double = -1
    private var present = false

    public init(address: String) { self.address = address }

    /// Nil when the address is local (send), else why not.
    public func refusal() -> String? {
        let now = Date().timeIntervalSinceReferenceDate
        let local = lock.withLock { () -> Bool in
            if now - checkedAt > 0.25 {
                present = Self.isLocal(address)
                checkedAt = now
            }
            return present
        }
        return local ? nil : "not sent: \(address) is not on this host (the cluster's node link is down)"
    }

    /// Whether an interface of this host carries `address`.
    public static func isLocal(_ address: String) -> Bool {
        var list: UnsafeMutablePointer<ifaddrs>?
        guard getifaddrs(&list) == 0, let first = list else { return false }
        defer { freeifaddrs(list) }
        var cursor: UnsafeMutablePointer<ifaddrs>? = first
        while let entry = cursor {
            defer { cursor = entry.pointee.ifa_next }
            guard let socketAddress = entry.pointee.ifa_addr else { continue }
            var host = [CChar](repeating: 0, count: Int(NI_MAXHOST))
            let family = Int32(socketAddress.pointee.sa_family)
            guard family == AF_INET || family == AF_INET6 else { continue }
            let length = socklen_t(family == AF_INET ? MemoryLayout<sockaddr_in>.size : MemoryLayout<sockaddr_in6>.size)
            if getnameinfo(socketAddress, length, &host, socklen_t(host.count), nil, 0, NI_NUMERICHOST) == 0,
               String(decoding: host.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self) == address {
                return true
            }
        }
        return false
    }
}
