import Foundation
import HTTPClient
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
    public static func isLocal(_ address: String) -> Bool { HostAddresses.current().contains(address.lowercased()) }
}
