import LabrunCore

/// Where the built images go for a cluster that cannot see this host's Docker engine
/// (`--registry HOST[:PORT][/PATH]`, or `LABRUN_REGISTRY`), and the Secret its pods pull them with.
///
/// `labrun/todo-backend:3f9a…` is pushed as `HOST[:PORT][/PATH]/labrun/todo-backend:3f9a…`, and
/// the manifests name that reference. The first part must read as a registry host to Docker (a dot,
/// a port, or `localhost`): otherwise Docker would take it for a Docker Hub account.
public struct ImageRegistry: Sendable, Equatable, CustomStringConvertible {
    /// `HOST[:PORT][/PATH]`, as given, without a trailing slash.
    public let location: String
    /// An existing `kubernetes.io/dockerconfigjson` Secret in the stack's namespace, added to every
    /// pod template as `imagePullSecrets` (`--registry-pull-secret`).
    public let pullSecret: String?

    /// Validates `location` (and `pullSecret`); `source` names where they came from in the error.
    public init(_ location: String, pullSecret: String? = nil, source: String = "--registry") throws {
        var trimmed = location
        while trimmed.hasSuffix("/") { trimmed.removeLast() }
        if let problem = Self.problem(trimmed) {
            // What stands before an `@` may be a password: it is not repeated.
            let echoed = location.contains("@") ? "…@" + (location.split(separator: "@").last.map(String.init) ?? "") : location
            throw LabrunError(id: ErrorID.registryInvalid, exitCode: ExitCode.usage,
                              message: "\(source) '\(Self.shown(echoed))' is not a registry location: \(problem).",
                              advice: "Give HOST[:PORT][/PATH], e.g. registry.example.com/team or 127.0.0.1:5000 (no scheme, no credentials: log in with `docker login HOST`).")
        }
        if let pullSecret, !Self.isValidSecretName(pullSecret) {
            throw LabrunError(id: ErrorID.registryInvalid, exitCode: ExitCode.usage,
                              message: "The pull secret '\(Self.shown(pullSecret))' is not a valid Secret name (lower-case letters, digits, '-' and '.', at most 253).",
                              advice: "Name the Secret you created with `kubectl create secret docker-registry NAME …` in the stack's namespace.")
        }
        self.location = trimmed
        self.pullSecret = pullSecret
    }

    public var description: String { location }

    /// The host part (`registry.example.com:5000`), which `docker login` takes.
    public var host: String { String(location.split(separator: "/", maxSplits: 1)[0]) }

    /// The reference `local` (`labrun/todo-backend:3f9a…`) has in this registry; a repository that
    /// names a registry of its own (`registry.local:5000/shop/api`) keeps only its path.
    public func reference(for local: String) -> String {
        let parts = local.split(separator: "/", maxSplits: 1).map(String.init)
        if parts.count == 2, Self.namesHost(parts[0]) { return location + "/" + parts[1] }
        return location + "/" + local
    }

    /// Whether Docker reads a reference's first part as a registry host.
    static func namesHost(_ part: String) -> Bool { part.contains(".") || part.contains(":") || part == "localhost" }

    /// Why `location` cannot be a registry location, or nil when it can.
    static func problem(_ location: String) -> String? {
        if location.isEmpty { return "it is empty" }
        if location.contains("://") { return "it has a scheme; Docker chooses HTTPS itself (plain HTTP only for localhost and registries in Docker's insecure-registries)" }
        if location.contains("@") { return "it carries credentials or a digest; log in with `docker login` instead" }
        let parts = location.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
        let host = parts[0]
        let hostName = host.split(separator: ":", maxSplits: 1, omittingEmptySubsequences: false)
        let hostAllowed = hostName[0].allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "." || $0 == "-") }
        guard !hostName[0].isEmpty, hostAllowed else { return "'\(host)' is not a host name" }
        if hostName.count == 2, Int(hostName[1]).map({ !(1...65535).contains($0) }) ?? true { return "'\(hostName[1])' is not a port" }
        guard namesHost(host) else {
            return "Docker would read '\(host)' as a Docker Hub account, not a registry host (give docker.io/\(host) for Docker Hub)"
        }
        for component in parts.dropFirst() {
            let allowed = component.allSatisfy { $0.isASCII && ($0.isLowercase || $0.isNumber || "._-".contains($0)) }
            guard !component.isEmpty, allowed, component.first?.isLetter == true || component.first?.isNumber == true else {
                return "'\(component)' is not a repository path part (lower-case letters, digits, '.', '_' and '-')"
            }
        }
        return nil
    }

    /// `text` as it may reach a terminal: control characters shown as `?`.
    static func shown(_ text: String) -> String {
        String(text.unicodeScalars.map { $0.properties.generalCategory == .control ? "?" : Character($0) })
    }

    /// A DNS subdomain name, as Kubernetes requires of a Secret's name.
    static func isValidSecretName(_ name: String) -> Bool {
        guard (1...253).contains(name.count), let first = name.first, let last = name.last else { return false }
        let allowed = name.allSatisfy { ($0.isASCII && $0.isLowercase) || ($0.isASCII && $0.isNumber) || $0 == "-" || $0 == "." }
        return allowed && (first.isLetter || first.isNumber) && (last.isLetter || last.isNumber)
    }
}
