import Foundation
import LabrunCore

/// How a client proves who it is and whom it trusts. Verification of the server's certificate and
/// host name is always on; there is no switch to turn it off.
public struct TLSConfiguration: Sendable, CustomStringConvertible {
    /// PEM bytes or a file path.
    public enum Source: Sendable, Equatable {
        case file(String)
        case pem(Data)
    }

    /// Certificate authorities to trust; `nil` uses the system's store.
    public var certificateAuthority: Source?
    /// Client certificate (PEM) for mutual TLS.
    public var clientCertificate: Source?
    /// Client private key (PEM) for mutual TLS. Never printed.
    public var clientKey: Source?

    public init(certificateAuthority: Source? = nil, clientCertificate: Source? = nil, clientKey: Source? = nil) {
        self.certificateAuthority = certificateAuthority
        self.clientCertificate = clientCertificate
        self.clientKey = clientKey
    }

    public var description: String {
        func show(_ source: Source?, secret: Bool = false) -> String {
            switch source {
            case nil: return "none"
            case .file(let path): return "file \(path)"
            case .pem(let data): return secret ? "inline (hidden)" : "inline (\(data.count) bytes)"
            }
        }
        return "TLS(ca: \(show(certificateAuthority)), cert: \(show(clientCertificate)), key: \(show(clientKey, secret: true)))"
    }
}

/// Settings shared by every request of one `HTTPClient`.
public struct HTTPClientConfiguration: Sendable {
    public var tls: TLSConfiguration
    /// Sent as `Authorization: Bearer …` on every request; registered with the Redactor.
    public var bearerToken: String?
    /// Headers added to every request (a request's own headers win).
    public var defaultHeaders: HTTPHeaders
    /// Seconds for a whole request unless the request says otherwise.
    public var timeout: Double
    /// Seconds to establish a connection (TCP + TLS).
    public var connectTimeout: Double
    /// Most connections kept open per host (the rest of the requests queue). 0 means no limit.
    public var maxConnectionsPerHost: Int
    /// Whether to offer HTTP/2 (multiplexing many requests on one connection) over TLS.
    public var allowHTTP2: Bool
    /// The `User-Agent` header.
    public var userAgent: String
    /// Whether credentials may go over plain `http://` to a host other than this machine
    /// (`--allow-insecure-credentials`; see `HTTPRequest.check(configuration:)`).
    public var allowInsecureCredentials: Bool
    /// The response header fields a response keeps (names in any case); nil keeps them all. The load
    /// generator reads at most two fields of each answer (the serving pod and version): turning every
    /// other field of every answer into strings cost more of its CPU than anything else it did itself.
    public var keptResponseHeaders: [String]?

    public init(tls: TLSConfiguration = TLSConfiguration(), bearerToken: String? = nil,
                defaultHeaders: HTTPHeaders = HTTPHeaders(), timeout: Double = 30, connectTimeout: Double = 10,
                maxConnectionsPerHost: Int = 0, allowHTTP2: Bool = true, userAgent: String = "labrun",
                allowInsecureCredentials: Bool = false, keptResponseHeaders: [String]? = nil) {
        self.allowInsecureCredentials = allowInsecureCredentials
        self.keptResponseHeaders = keptResponseHeaders
        self.tls = tls
        self.bearerToken = bearerToken
        self.defaultHeaders = defaultHeaders
        self.timeout = timeout
        self.connectTimeout = connectTimeout
        self.maxConnectionsPerHost = maxConnectionsPerHost
        self.allowHTTP2 = allowHTTP2
        self.userAgent = userAgent
        if let bearerToken { Redactor.shared.register(bearerToken) }
    }
}
