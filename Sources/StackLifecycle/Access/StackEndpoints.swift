/// Where the stack can be reached from the host.
public struct StackEndpoints: Sendable, Equatable {
    /// `http://10.250.0.1:31234` — the UI, with `/api` proxied to the backend.
    public var frontendURL: String
    public var backendURL: String?
    /// `10.250.0.1:31432`.
    public var postgresAddress: String?

    public init(frontendURL: String, backendURL: String? = nil, postgresAddress: String? = nil) {
        self.frontendURL = frontendURL
        self.backendURL = backendURL
        self.postgresAddress = postgresAddress
    }
}
