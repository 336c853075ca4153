import HTTPClient
import LabrunCore

/// How to reach one cluster: the API server URL, TLS material, token and default namespace.
/// Usually made by `Kubeconfig.configuration(context:)`.
public struct KubernetesConfiguration: Sendable, CustomStringConvertible {
    /// `https://127.0.0.1:6443` (no trailing slash needed).
    public var server: String
    public var tls: TLSConfiguration
    /// Registered with the Redactor; never printed.
    public var bearerToken: String?
    /// Namespace used when a call names none.
    public var namespace: String
    public var contextName: String?
    /// `tls-server-name` from the kubeconfig (not supported yet: must be nil or match the URL's host).
    public var tlsServerName: String?
    /// Seconds for each non-streaming request.
    public var timeout: Double
    /// Seconds to connect.
    public var connectTimeout: Double
    /// A kubeconfig `exec` credential plugin, asked for a token (or client certificate) before requests.
    public var credentialPlugin: ExecCredentialPlugin?
    /// Whether a token may go to an `http://` server other than this machine (`--allow-insecure-credentials`).
    public var allowInsecureCredentials = false

    public init(server: String, tls: TLSConfiguration = TLSConfiguration(), bearerToken: String? = nil,
                namespace: String = "default", contextName: String? = nil, tlsServerName: String? = nil,
                timeout: Double = 30, connectTimeout: Double = 10) {
        self.server = server.hasSuffix("/") ? String(server.dropLast()) : server
        self.tls = tls
        self.bearerToken = bearerToken
        self.namespace = namespace
        self.contextName = contextName
        self.tlsServerName = tlsServerName
        self.timeout = timeout
        self.connectTimeout = connectTimeout
        if let bearerToken { Redactor.shared.register(bearerToken) }
    }

    /// The HTTP client settings for this cluster (`tls` replaces the configuration's, for an exec
    /// plugin's client certificate).
    public func httpConfiguration(tls: TLSConfiguration? = nil, withToken: Bool = true) -> HTTPClientConfiguration {
        HTTPClientConfiguration(tls: tls ?? self.tls, bearerToken: withToken ? bearerToken : nil,
                                defaultHeaders: ["Accept": "application/json"], timeout: timeout,
                                connectTimeout: connectTimeout, userAgent: "labrun/kubernetes-client",
                                allowInsecureCredentials: allowInsecureCredentials)
    }

    public var description: String {
        "Kubernetes(\(server), context \(contextName ?? "-"), namespace \(namespace), \(tls)\(bearerToken == nil ? "" : ", token ••••••")"
            + (credentialPlugin.map { ", exec \($0.config.command)" } ?? "") + ")"
    }
}
