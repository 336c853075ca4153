import Foundation
import HTTPClient
import LabrunCore
import YAMLSafety
import Yams

/// A kubeconfig: clusters, users and contexts, loaded and merged the way kubectl does.
///
/// Resolution order (like kubectl): an explicit path (`--kubeconfig`) alone; otherwise every file
/// in `KUBECONFIG` (colon-separated, missing files skipped) merged with the first file to define a
/// name winning; otherwise `~/.kube/config`. Paths inside a file are relative to that file.
///
/// Loading is bounded and says nothing secret: a file is read only when it is a regular file of at
/// most `maxFileSize` bytes; YAML aliases and nesting deeper than `maxDepth` are refused before the
/// document is built (a "billion laughs" of a kilobyte would expand to gigabytes); a syntax error
/// names the file, line, column and key, never the line's text (it may be a `client-key-data`).
public struct Kubeconfig: Sendable, Equatable {
    /// A cluster entry.
    public struct Cluster: Sendable, Equatable {
        public var server: String
        /// Path of a PEM CA bundle.
        public var certificateAuthority: String?
        /// PEM CA bundle (decoded from `certificate-authority-data`).
        public var certificateAuthorityData: Data?
        public var insecureSkipTLSVerify: Bool
        public var tlsServerName: String?

        public init(server: String, certificateAuthority: String? = nil, certificateAuthorityData: Data? = nil,
                    insecureSkipTLSVerify: Bool = false, tlsServerName: String? = nil) {
            self.server = server
            self.certificateAuthority = certificateAuthority
            self.certificateAuthorityData = certificateAuthorityData
            self.insecureSkipTLSVerify = insecureSkipTLSVerify
            self.tlsServerName = tlsServerName
        }
    }

    /// A user (credentials) entry. Secrets never appear in `description`.
    public struct User: Sendable, Equatable, CustomStringConvertible {
        public var clientCertificate: String?
        public var clientCertificateData: Data?
        public var clientKey: String?
        public var clientKeyData: Data?
        public var token: String?
        public var tokenFile: String?
        /// A credential plugin (`exec`), run when the API is first called.
        public var exec: ExecConfig?
        /// The name of an `auth-provider` (gcp, azure, oidc): removed from client-go, refused with advice.
        public var authProvider: String?
        /// `username`/`password` were set (labrun does not support them).
        public var unsupportedAuth: String?

        public init(clientCertificate: String? = nil, clientCertificateData: Data? = nil, clientKey: String? = nil,
                    clientKeyData: Data? = nil, token: String? = nil, tokenFile: String? = nil, exec: ExecConfig? = nil,
                    authProvider: String? = nil, unsupportedAuth: String? = nil) {
            self.exec = exec
            self.authProvider = authProvider
            self.clientCertificate = clientCertificate
            self.clientCertificateData = clientCertificateData
            self.clientKey = clientKey
            self.clientKeyData = clientKeyData
            self.token = token
            self.tokenFile = tokenFile
            self.unsupportedAuth = unsupportedAuth
        }

        public var description: String {
            var parts: [String] = []
            if clientCertificate != nil || clientCertificateData != nil { parts.append("client certificate") }
            if token != nil || tokenFile != nil { parts.append("bearer token") }
            if let exec { parts.append("exec \(exec.command)") }
            if let authProvider { parts.append("auth-provider \(authProvider) (removed)") }
            if let unsupportedAuth { parts.append(unsupportedAuth + " (unsupported)") }
            return "User(" + (parts.isEmpty ? "anonymous" : parts.joined(separator: ", ")) + ")"
        }
    }

    /// A context: which cluster, which user, which namespace.
    public struct Context: Sendable, Equatable {
        public var cluster: String
        public var user: String
        public var namespace: String?

        public init(cluster: String, user: String, namespace: String? = nil) {
            self.cluster = cluster
            self.user = user
            self.namespace = namespace
        }
    }

    public var clusters: [String: Cluster]
    public var users: [String: User]
    public var contexts: [String: Context]
    public var currentContext: String?
    /// Files this configuration came from, in order.
    public var sources: [String]

    public init(clusters: [String: Cluster] = [:], users: [String: User] = [:], contexts: [String: Context] = [:],
                currentContext: String? = nil, sources: [String] = []) {
        self.clusters = clusters
        self.users = users
        self.contexts = contexts
        self.currentContext = currentContext
        self.sources = sources
    }

    // MARK: Loading

    /// The largest kubeconfig read (a kubeconfig of a hundred clusters with their CA data is ~300 KB).
    public static let maxFileSize: Int64 = 8 << 20
    /// The deepest nesting of mappings and lists accepted (a kubeconfig needs about 6).
    public static let maxDepth = 64

    /// The files kubectl would read, in order: `explicitPath` alone; else `KUBECONFIG`'s entries
    /// (duplicates removed); else `$HOME/.kube/config`.
    public static func searchPaths(explicitPath: String?, environment: [String: String]) -> [String] {
        if let explicitPath, !explicitPath.isEmpty { return [explicitPath] }
        if let list = environment["KUBECONFIG"], !list.isEmpty {
            var seen = Set<String>()
            return list.split(separator: ":").map(String.init).filter { !$0.isEmpty && seen.insert($0).inserted }
        }
        let home = environment["HOME"] ?? NSHomeDirectory()
        return [(home as NSString).appendingPathComponent(".kube/config")]
    }

    /// Loads the kubeconfig kubectl would use (see the type's notes).
    public static func load(explicitPath: String? = nil,
                            environment: [String: String] = ProcessInfo.processInfo.environment) throws -> Kubeconfig {
        let paths = searchPaths(explicitPath: explicitPath, environment: environment)
        var configs: [Kubeconfig] = []
        for path in paths {
            guard FileKind.of(path) != .missing else {
                if explicitPath != nil {
                    throw LabrunError(id: ErrorID.kubeconfigMissing, exitCode: ExitCode.unavailable,
                                      message: "The kubeconfig \(path) does not exist.",
                                      advice: "Pass the path of an existing kubeconfig with --kubeconfig.")
                }
                continue
            }
            configs.append(try parse(fileAt: path))
        }
        guard !configs.isEmpty else {
            throw LabrunError(id: ErrorID.kubeconfigMissing, exitCode: ExitCode.unavailable,
                              message: "No kubeconfig found (looked at \(paths.joined(separator: ", "))).",
                              advice: "Start a cluster (`labrun up`), or pass --kubeconfig, or set KUBECONFIG.")
        }
        return merge(configs)
    }

    /// Reads and parses one file; relative paths in it are resolved against its directory.
    /// Only a regular file (a symbolic link to one is fine) of at most `maxFileSize` bytes is read:
    /// a FIFO would block, `/dev/zero` never end.
    public static func parse(fileAt path: String) throws -> Kubeconfig {
        func unreadable(_ why: String, advice: String? = nil) -> LabrunError {
            LabrunError(id: ErrorID.kubeconfigUnreadable, exitCode: ExitCode.unavailable,
                        message: "Could not read the kubeconfig \(path): \(why).",
                        advice: advice ?? "Point --kubeconfig (or KUBECONFIG) at a kubeconfig file.")
        }
        switch FileKind.of(path) {
        case .missing:
            throw LabrunError(id: ErrorID.kubeconfigMissing, exitCode: ExitCode.unavailable,
                              message: "The kubeconfig \(path) does not exist.",
                              advice: "Pass the path of an existing kubeconfig with --kubeconfig.")
        case .regular(let size) where size > maxFileSize:
            throw tooLarge(path, size)
        case .regular:
            break
        case let kind:
            throw unreadable("it is \(kind.phrase), not a regular file")
        }
        let data: Data
        do {
            let handle = try FileHandle(forReadingFrom: URL(fileURLWithPath: path))
            defer { try? handle.close() }
            data = try handle.read(upToCount: Int(maxFileSize) + 1) ?? Data()
        } catch {
            throw unreadable(error.localizedDescription, advice: "Check its permissions (labrun runs as uid \(getuid())).")
        }
        guard data.count <= maxFileSize else { throw tooLarge(path, Int64(data.count)) }
        guard let text = String(data: data, encoding: .utf8) else {
            throw LabrunError(id: ErrorID.kubeconfigInvalid, exitCode: ExitCode.invalidInput,
                              message: "The kubeconfig \(path) is not valid: it is not UTF-8 text.",
                              advice: "Point --kubeconfig at a kubeconfig (YAML) file.")
        }
        let directory = (path as NSString).deletingLastPathComponent
        return try parse(text, source: path, baseDirectory: directory.isEmpty ? "." : directory)
    }

    /// Parses kubeconfig YAML. `source` names it in errors; relative paths resolve against `baseDirectory`.
    public static func parse(_ yaml: String, source: String = "kubeconfig", baseDirectory: String? = nil) throws -> Kubeconfig {
        func invalid(_ what: String) -> LabrunError {
            LabrunError(id: ErrorID.kubeconfigInvalid, exitCode: ExitCode.invalidInput,
                        message: "The kubeconfig \(source) is not valid: \(what).",
                        advice: "Check it with `kubectl --kubeconfig \(source) config view`.")
        }
        let root = try document(yaml, source: source, invalid: invalid)
        guard case .object = root else { throw invalid("the top level is not a mapping") }
        func resolve(_ path: String?) -> String? {
            guard let path, !path.isEmpty else { return nil }
            if path.hasPrefix("/") || baseDirectory == nil { return path }
            if path.hasPrefix("~/") {
                return (NSHomeDirectory() as NSString).appendingPathComponent(String(path.dropFirst(2)))
            }
            return ((baseDirectory ?? ".") as NSString).appendingPathComponent(path)
        }
        func base64(_ value: JSONValue?, _ field: String, _ entry: String) throws -> Data? {
            guard let text = value?.stringValue, !text.isEmpty else { return nil }
            let cleaned = text.filter { !$0.isWhitespace }
            guard let data = Data(base64Encoded: cleaned) else { throw invalid("\(field) of \(entry) is not base64") }
            return data
        }
        func named(_ key: String) throws -> [(String, JSONValue)] {
            guard let list = root[key], !list.isNull else { return [] }
            guard let items = list.arrayValue else { throw invalid("`\(key)` is not a list") }
            return try items.map { item in
                guard let name = item["name"]?.stringValue, !name.isEmpty else { throw invalid("an entry of `\(key)` has no name") }
                return (name, item)
            }
        }
        var config = Kubeconfig(sources: [source])
        for (name, item) in try named("clusters") {
            guard let body = item["cluster"], let server = body["server"]?.stringValue, !server.isEmpty else {
                throw invalid("cluster \(name) has no server")
            }
            if config.clusters[name] != nil { continue }
            config.clusters[name] = Cluster(
                server: server,
                certificateAuthority: resolve(body["certificate-authority"]?.stringValue),
                certificateAuthorityData: try base64(body["certificate-authority-data"], "certificate-authority-data", "cluster \(name)"),
                insecureSkipTLSVerify: body["insecure-skip-tls-verify"]?.boolValue ?? false,
                tlsServerName: body["tls-server-name"]?.stringValue)
        }
        for (name, item) in try named("users") {
            if config.users[name] != nil { continue }
            let body = item["user"] ?? .object([:])
            var unsupported: [String] = []
            if body["username"] != nil || body["password"] != nil { unsupported.append("username/password") }
            var exec: ExecConfig?
            if let section = body["exec"], !section.isNull {
                exec = try execConfig(section, user: name, invalid: invalid, resolve: resolve)
            }
            let authProvider = body["auth-provider"].flatMap { $0.isNull ? nil : ($0["name"]?.stringValue ?? "unnamed") }
            let token = body["token"]?.stringValue
            if let token { Redactor.shared.register(token) }
            if let password = body["password"]?.stringValue { Redactor.shared.register(password) }
            config.users[name] = User(
                clientCertificate: resolve(body["client-certificate"]?.stringValue),
                clientCertificateData: try base64(body["client-certificate-data"], "client-certificate-data", "user \(name)"),
                clientKey: resolve(body["client-key"]?.stringValue),
                clientKeyData: try base64(body["client-key-data"], "client-key-data", "user \(name)"),
                token: token,
                tokenFile: resolve(body["tokenFile"]?.stringValue),
                exec: exec, authProvider: authProvider,
                unsupportedAuth: unsupported.isEmpty ? nil : unsupported.joined(separator: ", "))
        }
        for (name, item) in try named("contexts") {
            if config.contexts[name] != nil { continue }
            let body = item["context"] ?? .object([:])
            config.contexts[name] = Context(cluster: body["cluster"]?.stringValue ?? "",
                                            user: body["user"]?.stringValue ?? "",
                                            namespace: body["namespace"]?.stringValue)
        }
        if let current = root["current-context"]?.stringValue, !current.isEmpty { config.currentContext = current }
        return config
    }

    /// The YAML document, read in bounded time and memory: too large, aliases and deep nesting are
    /// refused before composing; a syntax error says where and in which key, never the text there.
    static func document(_ text: String, source: String, invalid: (String) -> LabrunError) throws -> JSONValue {
        guard text.utf8.count <= maxFileSize else { throw tooLarge(source, Int64(text.utf8.count)) }
        // A byte-order mark, as Windows editors write, is no part of the YAML (kubectl skips it too).
        let yaml = text.hasPrefix("\u{FEFF}") ? String(text.dropFirst()) : text
        func at(_ line: Int, _ column: Int) -> String {
            guard line > 0 else { return "" }
            return "line \(line), column \(column)" + (Self.key(atOrAbove: line, in: yaml).map { " (key \($0))" } ?? "") + ": "
        }
        let scan = YAMLEventScan(yaml)
        if let alias = scan.aliases.first {
            throw invalid(at(alias.line, alias.column) + "YAML aliases (*name) are not allowed in a kubeconfig (\(scan.aliases.count) found): "
                          + "kubectl never writes them, and a few nested ones expand to gigabytes")
        }
        if let deepest = scan.tooDeep {
            throw invalid(at(deepest.line, deepest.column) + "lists and mappings nest deeper than \(YAMLEventScan.maxDepth); a kubeconfig needs a handful")
        }
        if let long = scan.longKey ?? scan.longValue {
            throw invalid(at(long.position.line, long.position.column) + "a key or value of \(long.bytes) bytes; a kubeconfig's are at most "
                          + "\(YAMLEventScan.maxValueBytes >> 10) KiB (the text there is not shown: it may be a key or a token)")
        }
        if let tooMany = scan.tooMany {
            throw invalid(at(tooMany.line, tooMany.column) + "more than \(YAMLEventScan.maxNodes) values; a kubeconfig holds a few dozen")
        }
        do {
            let root = try ManifestParser.parseDocument(yaml) ?? .object([:])
            guard case .object = root else { throw invalid("the top level is not a mapping") }
            return root
        } catch let error as LabrunError {
            throw error.id == ErrorID.kubeconfigInvalid ? error : invalid(error.message)
        } catch {
            guard let problem = YAMLProblem(error) else { throw invalid("it is not YAML") }
            throw invalid(at(problem.line, problem.column) + problem.problem + " (the text there is not shown: it may be a key or a token)")
        }
    }

    static func tooLarge(_ source: String, _ size: Int64) -> LabrunError {
        LabrunError(id: ErrorID.kubeconfigTooLarge, exitCode: ExitCode.invalidInput,
                     message: "The kubeconfig \(source) is \(size) bytes; labrun reads kubeconfigs of at most \(maxFileSize) bytes.",
                     advice: "Point --kubeconfig at the kubeconfig itself (kubectl's are kilobytes), or split it with `kubectl config view --minify --flatten`.")
    }

    /// The key on `line` (1-based) or, for a line without one (a value's continuation), on the nearest
    /// line above that has one — a name only (`client-key-data`), never a value.
    static func key(atOrAbove line: Int, in yaml: String) -> String? {
        let lines = yaml.split(separator: "\n", maxSplits: line, omittingEmptySubsequences: false).prefix(line)
        for text in lines.reversed().prefix(200) {
            var rest = text.drop { $0 == " " }
            if rest.hasPrefix("- ") { rest = rest.dropFirst(2).drop { $0 == " " } }
            let name = rest.prefix { $0.isASCII && ($0.isLetter || $0.isNumber || "-_.".contains($0)) }
            let after = rest.dropFirst(name.count)
            if !name.isEmpty, name.count <= 64, after.hasPrefix(":"), after.dropFirst().first.map({ $0 == " " || $0 == "\r" }) ?? true {
                return String(name)
            }
        }
        return nil
    }

    /// A user's `exec` section (client-go's ExecConfig): apiVersion and command required; a command
    /// with a `/` that is not absolute is relative to the kubeconfig's directory, as in client-go.
    static func execConfig(_ body: JSONValue, user: String, invalid: (String) -> LabrunError,
                           resolve: (String?) -> String?) throws -> ExecConfig {
        guard let apiVersion = body["apiVersion"]?.stringValue, !apiVersion.isEmpty else {
            throw invalid("the exec section of user \(user) has no apiVersion")
        }
        guard ExecConfig.supportedVersions.contains(apiVersion) else {
            throw invalid("the exec section of user \(user) asks for \(apiVersion); labrun (like kubectl since 1.24) speaks "
                          + ExecConfig.supportedVersions.joined(separator: " and ") + " — update the plugin and regenerate the kubeconfig")
        }
        guard let command = body["command"]?.stringValue, !command.isEmpty else {
            throw invalid("the exec section of user \(user) has no command")
        }
        let args = try (body["args"]?.arrayValue ?? []).map { item -> String in
            guard let text = item.stringValue else { throw invalid("an arg of user \(user)'s exec section is not a string") }
            return text
        }
        let env = try (body["env"]?.arrayValue ?? []).map { item -> ExecConfig.EnvVar in
            guard let name = item["name"]?.stringValue, let value = item["value"]?.stringValue else {
                throw invalid("an env entry of user \(user)'s exec section needs a name and a value")
            }
            return ExecConfig.EnvVar(name: name, value: value)
        }
        let resolved = command.contains("/") && !command.hasPrefix("/")
            ? ((resolve(command) ?? command) as NSString).standardizingPath : command
        return ExecConfig(apiVersion: apiVersion, command: resolved, args: args, env: env,
                          installHint: body["installHint"]?.stringValue, provideClusterInfo: body["provideClusterInfo"]?.boolValue ?? false,
                          interactiveMode: body["interactiveMode"]?.stringValue)
    }

    /// Merges several kubeconfigs like kubectl: for every cluster, user and context name the first
    /// file that defines it wins; `current-context` is the first one set.
    public static func merge(_ configs: [Kubeconfig]) -> Kubeconfig {
        var merged = Kubeconfig()
        for config in configs {
            merged.clusters.merge(config.clusters) { first, _ in first }
            merged.users.merge(config.users) { first, _ in first }
            merged.contexts.merge(config.contexts) { first, _ in first }
            if merged.currentContext == nil { merged.currentContext = config.currentContext }
            merged.sources += config.sources
        }
        return merged
    }

    // MARK: Resolving

    /// Everything needed to talk to the cluster of `context` (default: the current context).
    /// Refuses `insecure-skip-tls-verify` and authentication kinds labrun does not support.
    /// A user's `exec` plugin is attached to the configuration and run with `runner` when the API is
    /// first called (and again when its credential expires).
    public func configuration(context explicitContext: String? = nil,
                              runner: any ProcessRunner = SystemProcessRunner()) throws -> KubernetesConfiguration {
        let where_ = sources.isEmpty ? "the kubeconfig" : sources.joined(separator: ":")
        func invalid(_ message: String, advice: String? = nil) -> LabrunError {
            LabrunError(id: ErrorID.kubeconfigInvalid, exitCode: ExitCode.invalidInput, message: message, advice: advice)
        }
        let known = contexts.keys.sorted().joined(separator: ", ")
        guard let contextName = explicitContext ?? currentContext, !contextName.isEmpty else {
            throw LabrunError(id: ErrorID.kubeconfigContextMissing, exitCode: ExitCode.invalidInput,
                              message: "\(where_) has no current-context and no context was given.",
                              advice: known.isEmpty ? "The file has no contexts: start a cluster, or point --kubeconfig at another file."
                                : "Pass --context NAME (one of: \(known)), or run `kubectl config use-context NAME`.")
        }
        guard let context = contexts[contextName] else {
            throw LabrunError(id: ErrorID.kubeconfigContextMissing, exitCode: ExitCode.invalidInput,
                              message: "Context \(contextName) is not in \(where_) (it has: \(known.isEmpty ? "none" : known)).",
                              advice: "Pass one of those with --context, or run `kubectl config get-contexts`; a Minikube or kind "
                                + "context appears once its cluster was started.")
        }
        guard let cluster = clusters[context.cluster] else {
            throw invalid("Context \(contextName) names cluster \(context.cluster), which is not in \(where_).")
        }
        if cluster.insecureSkipTLSVerify {
            throw LabrunError(id: ErrorID.kubeconfigInsecure, exitCode: ExitCode.invalidInput,
                              message: "Cluster \(context.cluster) in \(where_) sets insecure-skip-tls-verify; labrun always verifies the API server's certificate.",
                              advice: "Put the cluster's CA in certificate-authority or certificate-authority-data and remove insecure-skip-tls-verify.")
        }
        guard cluster.server.lowercased().hasPrefix("https://") || cluster.server.lowercased().hasPrefix("http://") else {
            throw invalid("Cluster \(context.cluster) has server \(cluster.server), which is not an http(s) URL.")
        }
        let user = context.user.isEmpty ? User() : users[context.user]
        guard let user else {
            throw invalid("Context \(contextName) names user \(context.user), which is not in \(where_).")
        }
        let hasStatic = user.token != nil || user.tokenFile != nil || user.clientCertificate != nil || user.clientCertificateData != nil
        if let provider = user.authProvider, !hasStatic, user.exec == nil {
            throw LabrunError(id: ErrorID.kubeconfigAuthProviderRemoved, exitCode: ExitCode.invalidInput,
                              message: "User \(context.user) in \(where_) logs in with the auth-provider \(provider), which Kubernetes clients "
                                + "(kubectl 1.26 and later) no longer support, and neither does labrun.",
                              advice: Self.authProviderAdvice(provider))
        }
        if let unsupported = user.unsupportedAuth, !hasStatic, user.exec == nil {
            throw LabrunError(id: ErrorID.kubeconfigUnsupportedAuth, exitCode: ExitCode.invalidInput,
                              message: "User \(context.user) in \(where_) authenticates with \(unsupported), which labrun does not support.",
                              advice: "Use a kubeconfig with a client certificate, a bearer token or an exec credential plugin.")
        }
        // Files named in the kubeconfig must be there now, not fail later as an unreachable cluster.
        for (what, path) in [("certificate-authority of cluster \(context.cluster)", cluster.certificateAuthorityData == nil ? cluster.certificateAuthority : nil),
                             ("client-certificate of user \(context.user)", user.clientCertificateData == nil ? user.clientCertificate : nil),
                             ("client-key of user \(context.user)", user.clientKeyData == nil ? user.clientKey : nil),
                             ("tokenFile of user \(context.user)", user.token == nil ? user.tokenFile : nil)] {
            guard let path, !FileManager.default.fileExists(atPath: path) else { continue }
            throw LabrunError(id: ErrorID.kubeconfigCredentialFileMissing, exitCode: ExitCode.invalidInput,
                              message: "The \(what) in \(where_) is \(path), which does not exist.",
                              advice: "Restore the file, or regenerate the kubeconfig (minikube: `minikube update-context`; "
                                + "kind: `kind export kubeconfig`; a cloud cluster: its get-credentials command).")
        }
        var tls = TLSConfiguration()
        if let data = cluster.certificateAuthorityData { tls.certificateAuthority = .pem(data) }
        else if let path = cluster.certificateAuthority { tls.certificateAuthority = .file(path) }
        if let data = user.clientCertificateData { tls.clientCertificate = .pem(data) }
        else if let path = user.clientCertificate { tls.clientCertificate = .file(path) }
        if let data = user.clientKeyData { tls.clientKey = .pem(data) }
        else if let path = user.clientKey { tls.clientKey = .file(path) }
        if (tls.clientCertificate == nil) != (tls.clientKey == nil) {
            throw invalid("User \(context.user) in \(where_) has a client certificate without a key, or a key without a certificate.")
        }
        var token = user.token
        if token == nil, let file = user.tokenFile {
            do {
                token = try String(contentsOfFile: file, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
            } catch {
                throw LabrunError(id: ErrorID.kubeconfigUnreadable, exitCode: ExitCode.unavailable,
                                  message: "Could not read the token file \(file) of user \(context.user): \(error.localizedDescription).")
            }
        }
        var configuration = KubernetesConfiguration(server: cluster.server, tls: tls, bearerToken: token,
                                                    namespace: context.namespace ?? "default", contextName: contextName,
                                                    tlsServerName: cluster.tlsServerName)
        if let exec = user.exec, !hasStatic {
            configuration.credentialPlugin = ExecCredentialPlugin(config: exec, user: context.user, cluster: cluster, runner: runner)
        }
        return configuration
    }

    /// What replaces a removed auth-provider.
    static func authProviderAdvice(_ provider: String) -> String {
        switch provider.lowercased() {
        case "gcp":
            return "Install gke-gcloud-auth-plugin (`gcloud components install gke-gcloud-auth-plugin`) and run "
                + "`gcloud container clusters get-credentials CLUSTER`: the kubeconfig then uses an exec plugin, which labrun runs."
        case "azure":
            return "Install kubelogin and run `kubelogin convert-kubeconfig -l azurecli` (after `az aks get-credentials`): "
                + "the kubeconfig then uses an exec plugin, which labrun runs."
        case "oidc":
            return "Use an exec plugin for OIDC, e.g. kubelogin (`kubectl oidc-login setup`), in the user's exec section."
        default:
            return "Replace it with the exec credential plugin its provider documents; labrun runs exec plugins."
        }
    }
}
