import Foundation
import LabrunCore

/// A kubeconfig user's `exec` section: a credential plugin (client-go's ExecCredential protocol,
/// `client.authentication.k8s.io/v1` and `v1beta1`) — how GKE (`gke-gcloud-auth-plugin`), EKS
/// (`aws eks get-token`), AKS (`kubelogin`) and OIDC (`kubectl oidc-login`) kubeconfigs log in.
public struct ExecConfig: Sendable, Equatable {
    /// The ExecCredential version the plugin speaks.
    public var apiVersion: String
    /// The program (on PATH, absolute, or relative to the kubeconfig's directory when it has a `/`).
    public var command: String
    public var args: [String]
    /// Extra environment variables, in order.
    public var env: [EnvVar]
    /// What to tell the user when the command is missing.
    public var installHint: String?
    /// Whether the plugin gets the cluster's server and CA in `KUBERNETES_EXEC_INFO`.
    public var provideClusterInfo: Bool
    /// `Never`, `IfAvailable` or `Always`: labrun runs plugins without a terminal.
    public var interactiveMode: String?

    public struct EnvVar: Sendable, Equatable {
        public var name: String
        public var value: String
        public init(name: String, value: String) {
            self.name = name
            self.value = value
        }
    }

    public static let supportedVersions = ["client.authentication.k8s.io/v1", "client.authentication.k8s.io/v1beta1"]

    public init(apiVersion: String, command: String, args: [String] = [], env: [EnvVar] = [], installHint: String? = nil,
                provideClusterInfo: Bool = false, interactiveMode: String? = nil) {
        self.apiVersion = apiVersion
        self.command = command
        self.args = args
        self.env = env
        self.installHint = installHint
        self.provideClusterInfo = provideClusterInfo
        self.interactiveMode = interactiveMode
    }
}

/// What a plugin returned: a bearer token or a client certificate and key, valid until `expiration`
/// (nil: until the API server refuses it). Never printed.
public struct ExecCredential: Sendable, Equatable, CustomStringConvertible {
    public var token: String?
    public var clientCertificateData: Data?
    public var clientKeyData: Data?
    public var expiration: Date?

    public var description: String {
        "ExecCredential(" + (token != nil ? "token ••••••" : "client certificate") + (expiration.map { ", until \($0)" } ?? "") + ")"
    }

    /// Parses a plugin's standard output; `apiVersion` must be the one the kubeconfig asked for.
    public static func parse(_ output: String, apiVersion: String, command: String) throws -> ExecCredential {
        func bad(_ what: String) -> LabrunError {
            LabrunError(id: ErrorID.kubeconfigExecFailed, exitCode: ExitCode.external,
                        message: "The credential plugin `\(command)` printed no usable ExecCredential: \(what).",
                        advice: "Run it by hand (with KUBERNETES_EXEC_INFO unset it may still work) and check its login.")
        }
        guard let data = output.data(using: .utf8), let root = try? JSONValue.parse(data), case .object = root else {
            throw bad("its output is not a JSON object")
        }
        guard root["kind"]?.stringValue == "ExecCredential" else { throw bad("kind is not ExecCredential") }
        guard root["apiVersion"]?.stringValue == apiVersion else {
            throw bad("apiVersion is \(root["apiVersion"]?.stringValue ?? "missing"), the kubeconfig asked for \(apiVersion)")
        }
        let status = root["status"] ?? .null
        let token = status["token"]?.stringValue.flatMap { $0.isEmpty ? nil : $0 }
        let certificate = status["clientCertificateData"]?.stringValue.flatMap { $0.isEmpty ? nil : Data($0.utf8) }
        let key = status["clientKeyData"]?.stringValue.flatMap { $0.isEmpty ? nil : Data($0.utf8) }
        if let token { Redactor.shared.register(token) }
        if let key, let text = String(data: key, encoding: .utf8) { Redactor.shared.register(text) }
        guard token != nil || (certificate != nil && key != nil) else {
            throw bad("status has neither a token nor a client certificate with its key")
        }
        guard (certificate == nil) == (key == nil) else { throw bad("status has a client certificate without its key, or a key without one") }
        var expiration: Date?
        if let text = status["expirationTimestamp"]?.stringValue, !text.isEmpty {
            let formatter = ISO8601DateFormatter()
            formatter.formatOptions = [.withInternetDateTime]
            let fractional = ISO8601DateFormatter()
            fractional.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
            guard let date = formatter.date(from: text) ?? fractional.date(from: text) else {
                throw bad("expirationTimestamp \(text) is not an RFC 3339 time")
            }
            expiration = date
        }
        return ExecCredential(token: token, clientCertificateData: certificate, clientKeyData: key, expiration: expiration)
    }
}

/// Runs a kubeconfig's credential plugin and keeps what it returned until it expires (as client-go:
/// run again after `expirationTimestamp`, or when the API server answers 401).
public final class ExecCredentialPlugin: @unchecked Sendable {
    public let config: ExecConfig
    /// The user's name in the kubeconfig (for messages).
    public let user: String
    /// `KUBERNETES_EXEC_INFO`, as the plugin gets it.
    public let execInfo: String
    let runner: any ProcessRunner
    let now: @Sendable () -> Date
    private let lock = NSLock()
    private var cached: ExecCredential?

    public init(config: ExecConfig, user: String, cluster: Kubeconfig.Cluster?, runner: any ProcessRunner = SystemProcessRunner(),
                now: @escaping @Sendable () -> Date = { Date() }) {
        self.config = config
        self.user = user
        self.runner = runner
        self.now = now
        self.execInfo = Self.execInfo(config, cluster: cluster)
    }

    /// The command the plugin runs as (its environment: the kubeconfig's `env` and `KUBERNETES_EXEC_INFO`).
    public var command: Command {
        var environment: [String: String] = [:]
        for variable in config.env { environment[variable.name] = variable.value }
        environment["KUBERNETES_EXEC_INFO"] = execInfo
        return Command(config.command, config.args, environment: environment, timeout: 120)
    }

    /// The spec client-go sends: never interactive (labrun reads the plugin's output), with the
    /// cluster when `provideClusterInfo` is set.
    static func execInfo(_ config: ExecConfig, cluster: Kubeconfig.Cluster?) -> String {
        var spec: [String: JSONValue] = ["interactive": false]
        if config.provideClusterInfo, let cluster {
            var info: [String: JSONValue] = ["server": .string(cluster.server)]
            if let ca = cluster.certificateAuthorityData { info["certificate-authority-data"] = .string(ca.base64EncodedString()) }
            else if let path = cluster.certificateAuthority, let ca = FileManager.default.contents(atPath: path) {
                info["certificate-authority-data"] = .string(ca.base64EncodedString())
            }
            if let name = cluster.tlsServerName { info["tls-server-name"] = .string(name) }
            spec["cluster"] = .object(info)
        }
        let info: JSONValue = ["apiVersion": .string(config.apiVersion), "kind": "ExecCredential", "spec": .object(spec)]
        return info.jsonString
    }

    /// The cached credential while it is valid, else a fresh one from the plugin.
    public func credential() async throws -> ExecCredential {
        if let cached = lock.withLock({ cached }), cached.expiration.map({ $0 > now() }) ?? true { return cached }
        let fresh = try await run()
        lock.withLock { cached = fresh }
        return fresh
    }

    /// Forgets the cached credential (the API server refused it).
    public func invalidate() { lock.withLock { cached = nil } }

    func run() async throws -> ExecCredential {
        let command = self.command
        let shown = ([config.command] + config.args).map { $0.contains(" ") ? "'\($0)'" : $0 }.joined(separator: " ")
        if config.interactiveMode == "Always" {
            throw LabrunError(id: ErrorID.kubeconfigExecFailed, exitCode: ExitCode.invalidInput,
                              message: "The credential plugin `\(shown)` of user \(user) needs a terminal (interactiveMode: Always), and labrun runs it without one.",
                              advice: "Log in once with kubectl (e.g. `kubectl get namespaces`) so the plugin caches its credential, or set interactiveMode: IfAvailable.")
        }
        guard runner.which(config.command) != nil else {
            throw LabrunError(id: ErrorID.kubeconfigExecNotFound, exitCode: ExitCode.unavailable,
                              message: "The credential plugin `\(config.command)` of user \(user) is not installed or not on PATH.",
                              advice: config.installHint?.trimmingCharacters(in: .whitespacesAndNewlines)
                                ?? "Install it (the cluster's provider documents it), or use a kubeconfig with a client certificate or token.")
        }
        let output: ProcessOutput
        do { output = try await runner.run(command) } catch let error as LabrunError {
            throw LabrunError(id: ErrorID.kubeconfigExecFailed, exitCode: ExitCode.external,
                              message: "The credential plugin `\(shown)` of user \(user) could not run: \(error.message)",
                              advice: config.installHint ?? error.advice)
        }
        guard output.succeeded else {
            // Standard error only: standard output is where a credential would be.
            let said = output.standardError.split(whereSeparator: \.isNewline).suffix(8).joined(separator: "\n    ")
            throw LabrunError(id: ErrorID.kubeconfigExecFailed, exitCode: ExitCode.external,
                              message: "The credential plugin `\(shown)` of user \(user) exited with status \(output.exitCode)"
                                + (said.isEmpty ? "." : ":\n    " + said),
                              advice: "Run it by hand to log in again (cloud CLIs: `gcloud auth login`, `aws sso login`, `az login`).")
        }
        return try ExecCredential.parse(output.standardOutput, apiVersion: config.apiVersion, command: shown)
    }
}
