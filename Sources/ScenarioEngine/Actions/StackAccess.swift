import Foundation

/// How the host reaches one run's stack: URLs of its Services and the database's address and credentials.
public struct StackAccess: Sendable {
    public var backendURL: String
    public var frontendURL: String
    public var postgresHost: String
    public var postgresPort: Int

    public init(backendURL: String, frontendURL: String, postgresHost: String, postgresPort: Int) {
        self.backendURL = backendURL
        self.frontendURL = frontendURL
        self.postgresHost = postgresHost
        self.postgresPort = postgresPort
    }

    /// The base URL of a Service named in a scenario (`backend`, `frontend`).
    public func url(service: String) -> String? {
        switch service {
        case "backend": return backendURL
        case "frontend": return frontendURL
        default: return nil
        }
    }
}

/// The database credentials read from the Secret (the password is registered with the Redactor).
struct DatabaseCredentials: Sendable {
    var user: String
    var password: String
    var database: String
}
