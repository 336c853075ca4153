import Foundation
import LabrunCore

/// Where and how to connect to PostgreSQL. The password is passed to libpq as a separate
/// parameter, registered with the Redactor, and never shown in `description` or errors.
public struct PostgresConfiguration: Sendable, Equatable, CustomStringConvertible {
    public var host: String
    public var port: Int
    public var user: String
    public var password: String?
    public var database: String
    /// Seconds to wait for the connection (libpq's minimum is 2).
    public var connectTimeout: Int
    /// libpq `sslmode`: `disable`, `prefer` (default), `require`, `verify-full`…
    public var sslMode: String
    /// Milliseconds after which the server cancels a statement; 0 means no limit.
    public var statementTimeout: Int
    public var applicationName: String

    public init(host: String = "127.0.0.1", port: Int = 5432, user: String, password: String? = nil,
                database: String, connectTimeout: Int = 10, sslMode: String = "prefer",
                statementTimeout: Int = 0, applicationName: String = "labrun") {
        self.host = host
        self.port = port
        self.user = user
        self.password = password
        self.database = database
        self.connectTimeout = connectTimeout
        self.sslMode = sslMode
        self.statementTimeout = statementTimeout
        self.applicationName = applicationName
        if let password { Redactor.shared.register(password) }
    }

    /// Parses `postgres://user:password@host:port/database?sslmode=disable&connect_timeout=5`
    /// (also `postgresql://`). Percent-escapes in user and password are decoded.
    public init(url: String) throws {
        func invalid(_ why: String) -> LabrunError {
            LabrunError(id: ErrorID.pgUrlInvalid, exitCode: ExitCode.invalidInput,
                        message: "The PostgreSQL URL \(Redactor.shared.redact(url)) is not valid: \(why).",
                        advice: "Use postgres://USER:PASSWORD@HOST:PORT/DATABASE.")
        }
        guard let components = URLComponents(string: url) else { throw invalid("it does not parse as a URL") }
        guard components.scheme == "postgres" || components.scheme == "postgresql" else {
            throw invalid("the scheme must be postgres:// or postgresql://")
        }
        guard let user = components.percentEncodedUser?.removingPercentEncoding, !user.isEmpty else { throw invalid("it names no user") }
        let database = String(components.path.drop(while: { $0 == "/" }))
        guard !database.isEmpty else { throw invalid("it names no database") }
        var config = PostgresConfiguration(host: components.host ?? "127.0.0.1", port: components.port ?? 5432, user: user,
                                           password: components.percentEncodedPassword?.removingPercentEncoding,
                                           database: database.removingPercentEncoding ?? database)
        for item in components.queryItems ?? [] {
            switch item.name {
            case "sslmode": config.sslMode = item.value ?? config.sslMode
            case "connect_timeout": config.connectTimeout = Int(item.value ?? "") ?? config.connectTimeout
            case "application_name": config.applicationName = item.value ?? config.applicationName
            case "statement_timeout": config.statementTimeout = Int(item.value ?? "") ?? config.statementTimeout
            default: throw invalid("the parameter \(item.name) is not supported")
            }
        }
        self = config
    }

    /// `postgres://user@host:port/database` (no password).
    public var description: String { "postgres://\(user)@\(host):\(port)/\(database)" }

    /// libpq keyword/value pairs (the password among them, when set).
    var connectionParameters: [(String, String)] {
        var options = "-c TimeZone=UTC -c DateStyle=ISO,YMD -c extra_float_digits=3"
        if statementTimeout > 0 { options += " -c statement_timeout=\(statementTimeout)" }
        var pairs: [(String, String)] = [
            ("host", host), ("port", String(port)), ("user", user), ("dbname", database),
            ("connect_timeout", String(max(connectTimeout, 2))), ("sslmode", sslMode),
            ("application_name", applicationName), ("client_encoding", "UTF8"), ("options", options),
        ]
        if let password { pairs.append(("password", password)) }
        return pairs
    }
}
