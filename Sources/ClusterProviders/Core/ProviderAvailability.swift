/// Whether a provider can work here, and what was looked for either way.
public struct ProviderAvailability: Sendable, Equatable {
    public var available: Bool
    /// What was checked and found (or not), e.g. "`minikube` not found on PATH".
    public var reason: String

    public init(available: Bool, reason: String) {
        self.available = available
        self.reason = reason
    }

    public static func yes(_ reason: String) -> ProviderAvailability { .init(available: true, reason: reason) }
    public static func no(_ reason: String) -> ProviderAvailability { .init(available: false, reason: reason) }
}
