import Foundation
@_exported import HTTPClient
import LabrunCore

/// A Kubernetes REST client on labrun's libcurl `HTTPClient`.
///
/// ```swift
/// let kube = try KubernetesClient.fromKubeconfig()                    // like kubectl
/// let pod = try await kube.get(Pod.self, name: "backend-0", namespace: "todo")
/// for try await event in kube.watch(Pod.self, namespace: "todo") { … }
/// try await kube.apply(manifests: yaml, namespace: "todo")            // server-side apply
/// ```
///
/// Namespaces: for get/create/replace/patch/delete/apply of a namespaced resource, `namespace: nil`
/// means the object's own `metadata.namespace`, else the kubeconfig context's namespace (else
/// `default`). For list and watch, `namespace: nil` means all namespaces.
///
/// Failures are `LabrunError`s naming the verb, the object and the server's answer; the reason is
/// available as `error.kubernetesReason` / `error.isNotFound` (ids `K8S_NOT_FOUND`, `K8S_CONFLICT`…).
public final class KubernetesClient: Sendable {
    public let configuration: KubernetesConfiguration
    public let paths: KubernetesPaths
    let http: any HTTPSending
    let clock: any LabClock
    let discovery = DiscoveryCache()
    /// Whether `http` was handed in (unit tests): then an exec plugin's client certificate goes unused.
    let injectedHTTP: Bool
    let certificateTransports = CertificateTransports()

    /// A client for `configuration`. `http` replaces the real transport (unit tests).
    public init(configuration: KubernetesConfiguration, http: (any HTTPSending)? = nil,
                clock: any LabClock = SystemClock()) throws {
        self.configuration = configuration
        self.paths = KubernetesPaths(server: configuration.server)
        self.clock = clock
        self.injectedHTTP = http != nil
        if let http {
            self.http = http
        } else {
            self.http = try HTTPClient(configuration: configuration.httpConfiguration())
        }
    }

    /// A client from the kubeconfig kubectl would use (`path` like `--kubeconfig`, else
    /// `KUBECONFIG`, else `~/.kube/config`) and `context` (else the current context).
    public static func fromKubeconfig(path: String? = nil, context: String? = nil,
                                      environment: [String: String] = ProcessInfo.processInfo.environment,
                                      allowInsecureCredentials: Bool = false) throws -> KubernetesClient {
        let kubeconfig = try Kubeconfig.load(explicitPath: path, environment: environment)
        var configuration = try kubeconfig.configuration(context: context)
        configuration.allowInsecureCredentials = allowInsecureCredentials
        return try KubernetesClient(configuration: configuration)
    }

    /// The namespace used when a call names none.
    public var defaultNamespace: String { configuration.namespace }

    // MARK: Typed objects

    /// Reads one object.
    public func get<T: KubernetesResource>(_ type: T.Type, name: String, namespace: String? = nil) async throws -> T {
        try await get(T.resourceType, name: name, namespace: namespace, as: T.self)
    }

    /// Lists objects (`namespace: nil` = all namespaces).
    public func list<T: KubernetesResource>(_ type: T.Type, namespace: String? = nil,
                                            options: ListOptions = ListOptions()) async throws -> ObjectList<T> {
        try await list(T.resourceType, namespace: namespace, options: options, as: T.self)
    }

    /// Creates an object and returns it as stored.
    public func create<T: KubernetesResource>(_ object: T, namespace: String? = nil) async throws -> T {
        try await create(T.resourceType, try JSONValue(encoding: object), namespace: namespace ?? object.metadata.namespace, as: T.self)
    }

    /// Replaces an object (PUT); `metadata.resourceVersion` guards against lost updates (Conflict).
    public func replace<T: KubernetesResource>(_ object: T, namespace: String? = nil) async throws -> T {
        try await replace(T.resourceType, try JSONValue(encoding: object), namespace: namespace ?? object.metadata.namespace, as: T.self)
    }

    /// Deletes an object.
    public func delete<T: KubernetesResource>(_ type: T.Type, name: String, namespace: String? = nil,
                                              options: DeleteOptions = DeleteOptions()) async throws {
        try await delete(T.resourceType, name: name, namespace: namespace, options: options)
    }

    /// Patches an object (merge, strategic merge or JSON patch) and returns it.
    public func patch<T: KubernetesResource>(_ type: T.Type, name: String, namespace: String? = nil,
                                             _ patch: KubernetesPatch) async throws -> T {
        try await self.patch(T.resourceType, name: name, namespace: namespace, patch, as: T.self)
    }

    /// Watches objects: an endless sequence of typed events (see `KubernetesWatch`).
    public func watch<T: KubernetesResource>(_ type: T.Type, namespace: String? = nil,
                                             options: WatchOptions = WatchOptions()) -> KubernetesWatch<T> {
        watch(T.resourceType, namespace: namespace, options: options, as: T.self)
    }

    // MARK: Any resource

    /// Reads one object of any resource, decoded as `T` (default: `JSONValue`).
    public func get<T: Decodable & Sendable>(_ resource: ResourceType, name: String, namespace: String? = nil,
                                             as type: T.Type = JSONValue.self) async throws -> T {
        let ns = resolveNamespace(resource, namespace)
        let subject = KubernetesError.Subject(verb: "get", kind: resource.kind, namespace: ns, name: name)
        let response = try await perform(HTTPRequest(.get, paths.get(resource, namespace: ns, name: name)), subject)
        return try decode(T.self, response, subject)
    }

    /// Lists objects of any resource (`namespace: nil` = all namespaces).
    public func list<T: Decodable & Sendable>(_ resource: ResourceType, namespace: String? = nil,
                                              options: ListOptions = ListOptions(),
                                              as type: T.Type = JSONValue.self) async throws -> ObjectList<T> {
        let ns = resource.namespaced ? namespace : nil
        let subject = KubernetesError.Subject(verb: "list", kind: resource.kind, namespace: ns)
        let response = try await perform(HTTPRequest(.get, paths.list(resource, namespace: ns, options: options)), subject)
        return try decode(ObjectList<T>.self, response, subject)
    }

    /// Creates an object of any resource from JSON.
    @discardableResult
    public func create<T: Decodable & Sendable>(_ resource: ResourceType, _ object: JSONValue, namespace: String? = nil,
                                                as type: T.Type = JSONValue.self) async throws -> T {
        let ns = resolveNamespace(resource, namespace ?? object.value(at: "metadata.namespace")?.stringValue)
        let name = object.value(at: "metadata.name")?.stringValue ?? object.value(at: "metadata.generateName")?.stringValue
        let subject = KubernetesError.Subject(verb: "create", kind: resource.kind, namespace: ns, name: name)
        let request = try HTTPRequest.json(.post, paths.create(resource, namespace: ns), body: withNamespace(object, resource, ns))
        return try decode(T.self, try await perform(request, subject), subject)
    }

    /// Replaces an object of any resource (PUT).
    @discardableResult
    public func replace<T: Decodable & Sendable>(_ resource: ResourceType, _ object: JSONValue, namespace: String? = nil,
                                                 as type: T.Type = JSONValue.self) async throws -> T {
        let ns = resolveNamespace(resource, namespace ?? object.value(at: "metadata.namespace")?.stringValue)
        let name = object.value(at: "metadata.name")?.stringValue ?? ""
        let subject = KubernetesError.Subject(verb: "replace", kind: resource.kind, namespace: ns, name: name)
        let request = try HTTPRequest.json(.put, paths.replace(resource, namespace: ns, name: name), body: withNamespace(object, resource, ns))
        return try decode(T.self, try await perform(request, subject), subject)
    }

    /// Deletes an object of any resource. With `ignoreNotFound`, a missing object is success.
    public func delete(_ resource: ResourceType, name: String, namespace: String? = nil,
                       options: DeleteOptions = DeleteOptions()) async throws {
        let ns = resolveNamespace(resource, namespace)
        let subject = KubernetesError.Subject(verb: "delete", kind: resource.kind, namespace: ns, name: name)
        do {
            _ = try await perform(HTTPRequest(.delete, paths.delete(resource, namespace: ns, name: name, options: options)), subject)
        } catch let error as LabrunError where error.isNotFound && options.ignoreNotFound {
            return
        }
    }

    /// Patches an object of any resource.
    @discardableResult
    public func patch<T: Decodable & Sendable>(_ resource: ResourceType, name: String, namespace: String? = nil,
                                               _ patch: KubernetesPatch, as type: T.Type = JSONValue.self) async throws -> T {
        let ns = resolveNamespace(resource, namespace)
        let subject = KubernetesError.Subject(verb: "patch", kind: resource.kind, namespace: ns, name: name)
        let url = paths.patch(resource, namespace: ns, name: name)
        let request: HTTPRequest
        switch patch {
        case .merge(let body), .strategicMerge(let body):
            request = try HTTPRequest.json(.patch, url, body: body, contentType: patch.contentType)
        case .json(let operations):
            request = try HTTPRequest.json(.patch, url, body: operations, contentType: patch.contentType)
        }
        return try decode(T.self, try await perform(request, subject), subject)
    }

    /// Watches objects of any resource.
    public func watch<T: Decodable & Sendable>(_ resource: ResourceType, namespace: String? = nil,
                                               options: WatchOptions = WatchOptions(),
                                               as type: T.Type = JSONValue.self) -> KubernetesWatch<T> {
        let ns = resource.namespaced ? namespace : nil
        return KubernetesWatch(client: self, resource: resource, namespace: ns, options: options)
    }

    // MARK: Server-side apply

    /// Server-side applies one object (`application/apply-patch+yaml`, field manager `labrun`,
    /// forced by default). Its resource is found from `apiVersion` and `kind` (discovery).
    /// Ports without `protocol` get `TCP` first (see `ApplyDefaults`: Kubernetes 1.20 needs it).
    @discardableResult
    public func apply(_ object: JSONValue, namespace: String? = nil,
                      options: ApplyOptions = ApplyOptions()) async throws -> JSONValue {
        guard let apiVersion = object["apiVersion"]?.stringValue, let kind = object["kind"]?.stringValue,
              let name = object.value(at: "metadata.name")?.stringValue, !name.isEmpty else {
            throw LabrunError(id: ErrorID.manifestInvalid, exitCode: ExitCode.invalidInput,
                              message: "Cannot apply an object without apiVersion, kind and metadata.name: \(object.jsonString.prefix(200)).")
        }
        let resource = try await resourceType(apiVersion: apiVersion, kind: kind)
        let ns = resolveNamespace(resource, object.value(at: "metadata.namespace")?.stringValue ?? namespace)
        let subject = KubernetesError.Subject(verb: "apply", kind: kind, namespace: ns, name: name)
        let request = try HTTPRequest.json(.patch, paths.apply(resource, namespace: ns, name: name, options: options),
                                           body: withNamespace(ApplyDefaults.fillPortProtocols(object), resource, ns),
                                           contentType: "application/apply-patch+yaml")
        return try decode(JSONValue.self, try await perform(request, subject), subject)
    }

    /// Server-side applies every document of a multi-document YAML text, in order.
    @discardableResult
    public func apply(manifests yaml: String, namespace: String? = nil, source: String = "manifest",
                      options: ApplyOptions = ApplyOptions()) async throws -> [JSONValue] {
        var applied: [JSONValue] = []
        for object in try ManifestParser.parseAll(yaml, source: source) {
            applied.append(try await apply(object, namespace: namespace, options: options))
        }
        return applied
    }

    /// Deletes the object a manifest describes (found by apiVersion, kind, name, namespace).
    public func delete(object: JSONValue, namespace: String? = nil, options: DeleteOptions = DeleteOptions()) async throws {
        guard let apiVersion = object["apiVersion"]?.stringValue, let kind = object["kind"]?.stringValue,
              let name = object.value(at: "metadata.name")?.stringValue else {
            throw LabrunError(id: ErrorID.manifestInvalid, exitCode: ExitCode.invalidInput,
                              message: "Cannot delete an object without apiVersion, kind and metadata.name.")
        }
        let resource = try await resourceType(apiVersion: apiVersion, kind: kind)
        try await delete(resource, name: name, namespace: object.value(at: "metadata.namespace")?.stringValue ?? namespace, options: options)
    }

    // MARK: Logs

    /// Reads a pod's log (one container's; `options.container` is needed when the pod has several).
    public func podLogs(name: String, namespace: String? = nil, options: LogOptions = LogOptions()) async throws -> String {
        let ns = namespace ?? defaultNamespace
        let subject = KubernetesError.Subject(verb: "read the log of", kind: "Pod", namespace: ns, name: name)
        return try await perform(HTTPRequest(.get, paths.logs(namespace: ns, pod: name, options: options)), subject).text
    }

    // MARK: Plumbing

    /// Sends a request; a non-2xx answer becomes a `LabrunError` about `subject`.
    func perform(_ request: HTTPRequest, _ subject: KubernetesError.Subject) async throws -> HTTPResponse {
        let response = try await send(request)
        guard response.isSuccess else {
            throw KubernetesError.fromResponse(status: response.status, body: response.body, subject: subject)
        }
        return response
    }

    /// Sends a GET to a raw path (`/version`, `/readyz`) and returns the response, whatever its status.
    public func raw(_ path: String) async throws -> HTTPResponse {
        try await send(HTTPRequest(.get, paths.url(path)))
    }

    /// Sends with the credentials of the kubeconfig; an exec plugin's credential refused with 401 is
    /// fetched again once (as client-go does).
    func send(_ request: HTTPRequest) async throws -> HTTPResponse {
        let (transport, signed) = try await authorized(request)
        let response = try await transport.send(signed)
        guard response.status == 401, let plugin = configuration.credentialPlugin else { return response }
        plugin.invalidate()
        let (again, resigned) = try await authorized(request)
        return try await again.send(resigned)
    }

    /// The transport and request to send: unchanged without an exec plugin; else with its token as
    /// a bearer header, or through a transport holding its client certificate.
    func authorized(_ request: HTTPRequest) async throws -> (any HTTPSending, HTTPRequest) {
        guard let plugin = configuration.credentialPlugin else { return (http, request) }
        let credential = try await plugin.credential()
        var signed = request
        if let token = credential.token {
            signed.headers.set("Authorization", "Bearer \(token)")
            return (http, signed)
        }
        guard !injectedHTTP, let certificate = credential.clientCertificateData, let key = credential.clientKeyData else { return (http, signed) }
        return (try certificateTransports.transport(certificate: certificate, key: key, configuration: configuration), signed)
    }

    func decode<T: Decodable>(_ type: T.Type, _ response: HTTPResponse, _ subject: KubernetesError.Subject) throws -> T {
        do { return try JSONDecoder().decode(T.self, from: response.body) } catch {
            throw LabrunError(id: ErrorID.k8sBadResponse, exitCode: ExitCode.external,
                              message: "Could not \(subject.verb) \(subject.object): the answer did not decode as \(T.self): \(error).",
                              debugDetail: response.text)
        }
    }

    func resolveNamespace(_ resource: ResourceType, _ namespace: String?) -> String? {
        guard resource.namespaced else { return nil }
        if let namespace, !namespace.isEmpty { return namespace }
        return defaultNamespace
    }

    private func withNamespace(_ object: JSONValue, _ resource: ResourceType, _ namespace: String?) -> JSONValue {
        guard resource.namespaced, let namespace else { return object }
        var copy = object
        var metadata = copy["metadata"] ?? .object([:])
        if metadata["namespace"] == nil { metadata["namespace"] = .string(namespace) }
        copy["metadata"] = metadata
        return copy
    }
}

/// HTTP clients holding an exec plugin's client certificate, one per certificate (a renewed one
/// gets a new client).
final class CertificateTransports: @unchecked Sendable {
    private let lock = NSLock()
    private var clients: [Data: HTTPClient] = [:]

    func transport(certificate: Data, key: Data, configuration: KubernetesConfiguration) throws -> HTTPClient {
        try lock.withLock {
            if let client = clients[certificate + key] { return client }
            var tls = configuration.tls
            tls.clientCertificate = .pem(certificate)
            tls.clientKey = .pem(key)
            let client = try HTTPClient(configuration: configuration.httpConfiguration(tls: tls, withToken: false))
            clients.values.forEach { $0.shutdown() }
            clients = [certificate + key: client]
            return client
        }
    }
}
