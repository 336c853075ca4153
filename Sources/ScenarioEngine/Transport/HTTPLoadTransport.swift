import Foundation
import HTTPClient
import LabrunCore
import StackModel
import ScenarioModel

/// The real `LoadTransport`: the stack file's request templates over one of labrun's HTTP clients.
///
/// One client (one event-loop thread, a pool of connections) carries every request of a run, each
/// started with a completion (no task, no continuation). The client is `LoadHTTPClient`'s choice:
/// on Linux the epoll engine (`PlainHTTPClient`) for an `http://` service, libcurl's `HTTPClient`
/// for `https://` and on other systems.
/// Each operation is compiled once from its template (`traffic.operations` in the stack file);
/// the answer's serving-pod and version headers (the stack's `headers`) are kept for accounting,
/// and the operation's `capture` pointers are read from a successful answer. It never throws:
/// every failure is an outcome.
///
/// An operation whose template has no placeholder is the same request every time: it is prepared
/// once (`HTTPSending.prepare`: checked, written) and sent as it is — at tens of thousands of
/// requests a second, building and checking each one again cost more than sending it.
///
/// By default each request asks for its own connection (`Connection: close`): kube-proxy balances
/// connections, not requests, so kept-alive connections would pin the whole load to the pods that
/// happened to accept them, and a new replica would never see traffic. `reuseConnections: true`
/// keeps connections alive (for benchmarks of the generator itself).
public final class HTTPLoadTransport: ScheduledLoadTransport, @unchecked Sendable {
    /// Base URL of the service that receives the load, e.g. `http://10.250.0.1:31234` (no trailing slash).
    public let baseURL: String
    /// Whether requests share kept-alive connections (default: a connection per request).
    public let reuseConnections: Bool
    /// Checked before each request: a reason not to send it (the target left this host), or nil.
    public var sendGuard: (@Sendable () -> String?)?
    /// The `Authorization` value each request carries unless its template sets one (the stack's `traffic.auth`):
    /// its user's (`${user}`), or the one shared value.
    public var credentials: RequestCredentials?
    private let operations: [LoadOperation: CompiledOperation]
    /// `traffic.isolation.owner`: checked in every 2xx answer to a request that acts as a user.
    private let ownerPointers: [String]
    private let headers: ResponseHeaders
    private let http: any HTTPSending
    private let ownsClient: (any HTTPClientEngine)?

    /// A transport on a client of its own (at most `maxConnections` connections; requests beyond them wait
    /// for one, and the wait counts in their latency).
    public convenience init(baseURL: String, traffic: StackTraffic, headers: ResponseHeaders, maxConnections: Int = 256,
                            reuseConnections: Bool = false, allowInsecureCredentials: Bool = false) throws {
        // Only the accounting fields of an answer are read: the client keeps no other.
        let client = try LoadHTTPClient.make(for: baseURL, configuration: HTTPClientConfiguration(
            timeout: 30, connectTimeout: 3, maxConnectionsPerHost: max(8, maxConnections),
            allowInsecureCredentials: allowInsecureCredentials, keptResponseHeaders: [headers.servedBy, headers.version].compactMap { $0 }))
        self.init(baseURL: baseURL, traffic: traffic, headers: headers, http: client, owns: client, reuseConnections: reuseConnections)
    }

    /// A transport on a given client (a fake in unit tests).
    public convenience init(baseURL: String, traffic: StackTraffic, headers: ResponseHeaders, http: any HTTPSending,
                            reuseConnections: Bool = false) {
        self.init(baseURL: baseURL, traffic: traffic, headers: headers, http: http, owns: nil, reuseConnections: reuseConnections)
    }

    private init(baseURL: String, traffic: StackTraffic, headers: ResponseHeaders, http: any HTTPSending, owns: (any HTTPClientEngine)?,
                 reuseConnections: Bool) {
        self.baseURL = HTTPLoadTransport.trimmed(baseURL)
        self.operations = Dictionary(uniqueKeysWithValues: traffic.operations.map { (LoadOperation($0.name), CompiledOperation($0)) })
        ownerPointers = traffic.ownerPointers
        self.headers = headers
        self.http = http
        self.ownsClient = owns
        self.reuseConnections = reuseConnections
    }

    deinit { ownsClient?.shutdown() }

    static func trimmed(_ url: String) -> String { url.hasSuffix("/") ? String(url.dropLast()) : url }

    /// An operation's template, with what does not vary per request worked out once.
    struct CompiledOperation: Sendable {
        let method: HTTPMethod
        let path: String
        let pathIsStatic: Bool
        let headers: [(name: String, value: String)]
        /// The body when it has no placeholder (encoded once), else nil and `bodyTemplate` is used.
        let staticBody: Data?
        let bodyTemplate: JSONValue?
        let captures: [(name: String, pointer: String)]
        /// For an operation without placeholders (its request never changes): the client's prepared form of it.
        let prepared: PreparedRequestCache?

        init(_ operation: TrafficOperation) {
            method = HTTPMethod(rawValue: operation.method)
            path = operation.path
            pathIsStatic = !operation.path.contains("${")
            headers = operation.headers.keys.sorted().map { ($0, operation.headers[$0] ?? "") }
            if let body = operation.body, !body.jsonString.contains("${") {
                staticBody = try? body.jsonData()
                bodyTemplate = nil
            } else {
                staticBody = nil
                bodyTemplate = operation.body
            }
            captures = operation.captures.keys.sorted().map { ($0, operation.captures[$0] ?? "") }
            let fixed = pathIsStatic && bodyTemplate == nil && !headers.contains { $0.name.contains("${") || $0.value.contains("${") }
            prepared = fixed ? PreparedRequestCache() : nil
        }

        func body(_ values: [String: String]) -> Data? {
            if let staticBody { return staticBody }
            return bodyTemplate.flatMap { try? HTTPLoadTransport.substituting($0, values).jsonData() }
        }
    }

    /// The values a request's placeholders take.
    static func values(for request: LoadRequest) -> [String: String] {
        var values = request.variables
        values["sequence"] = String(request.sequence)
        if let key = request.idempotencyKey { values["idempotencyKey"] = key }
        return values
    }

    /// `value` with every placeholder in its strings (keys and leaves) replaced.
    static func substituting(_ value: JSONValue, _ values: [String: String]) -> JSONValue {
        switch value {
        case .string(let text): return .string(Placeholders.substitute(text, values))
        case .array(let items): return .array(items.map { substituting($0, values) })
        case .object(let members):
            return .object(Dictionary(members.map { (Placeholders.substitute($0.key, values), substituting($0.value, values)) },
                                      uniquingKeysWith: { _, last in last }))
        default: return value
        }
    }

    /// The HTTP request for one load request (nil for an operation the stack does not define).
    public func httpRequest(for request: LoadRequest) -> HTTPRequest? {
        operations[request.operation].map { httpRequest(for: request, operation: $0) }
    }

    private func httpRequest(for request: LoadRequest, operation: CompiledOperation) -> HTTPRequest {
        let values = Self.values(for: request)
        var headers = HTTPHeaders()
        headers.add("Accept", "application/json")
        if !reuseConnections { headers.add("Connection", "close") }
        for header in operation.headers {
            headers.add(Placeholders.substitute(header.name, values), Placeholders.substitute(header.value, values))
        }
        if let authorization = credentials?.authorization(user: request.variables["user"]), headers["Authorization"] == nil {
            headers.add("Authorization", authorization)
        }
        let body = operation.body(values)
        if body != nil { headers.add("Content-Type", "application/json") }
        let path = operation.pathIsStatic ? operation.path : Placeholders.substitute(operation.path, values)
        return HTTPRequest(operation.method, baseURL + path, headers: headers, body: body, timeout: request.timeout)
    }

    /// Runs the load's schedule on the client's loop thread when the client has one (the epoll engine).
    public func run(schedule tick: @escaping @Sendable () -> Double?) async -> Bool {
        guard let scheduling = http as? any HTTPScheduling else { return false }
        await scheduling.run(schedule: tick)
        return true
    }

    public func start(_ request: LoadRequest, completion: @escaping @Sendable (LoadResponse) -> Void) {
        if let refusal = sendGuard?() { return completion(LoadResponse(outcome: .connection(refusal))) }
        guard let operation = operations[request.operation] else {
            return completion(LoadResponse(outcome: .connection("the stack defines no operation \(request.operation)")))
        }
        let (captures, headers) = (operation.captures, headers)
        let owner = ownerPointers.isEmpty ? nil : request.variables["user"].map { OwnerCheck(pointers: ownerPointers, user: $0) }
        let done: @Sendable (Result<HTTPResponse, any Error>) -> Void = { result in
            completion(HTTPLoadTransport.response(result, captures: captures, headers: headers, owner: owner))
        }
        // With a token per user, even a template without placeholders differs between requests.
        guard let cache = operation.prepared, (credentials?.users.count ?? 0) <= 1 else {
            return http.start(httpRequest(for: request, operation: operation), completion: done)
        }
        do {
            let prepared = try cache.prepared(timeout: request.timeout, authorization: credentials?.authorization(user: nil), using: http) {
                httpRequest(for: request, operation: operation)
            }
            http.start(prepared: prepared, completion: done)
        } catch {
            done(.failure(error))
        }
    }

    /// The prepared request of an operation without placeholders. What may still vary between its requests
    /// (the `Authorization` value, the timeout) is its key: a change prepares it again.
    final class PreparedRequestCache: @unchecked Sendable {
        private final class Entry: Sendable {
            let authorization: String?
            let timeout: Double
            let prepared: PreparedHTTPRequest
            init(_ authorization: String?, _ timeout: Double, _ prepared: PreparedHTTPRequest) {
                (self.authorization, self.timeout, self.prepared) = (authorization, timeout, prepared)
            }
        }
        private let lock = NSLock()
        private var entry: Entry?

        func prepared(timeout: Double, authorization: String?, using http: any HTTPSending,
                      request: () -> HTTPRequest) throws -> PreparedHTTPRequest {
            if let entry = lock.withLock({ entry }), entry.authorization == authorization, entry.timeout == timeout {
                return entry.prepared
            }
            let prepared = try http.prepare(request())
            lock.withLock { entry = Entry(authorization, timeout, prepared) }
            return prepared
        }
    }

    /// Whose data a 2xx answer may carry: only the user the request acted as.
    struct OwnerCheck: Sendable {
        let pointers: [String]
        let user: String

        /// The first owner in `document` that is not the user (strings, and numbers as written), or nil.
        func foreignOwner(in document: JSONValue) -> String? {
            for pointer in pointers {
                for value in JSONPointer.values(pointer, in: document) {
                    let owner: String?
                    switch value {
                    case .string(let text): owner = text
                    case .number: owner = value.intValue.map(String.init) ?? value.description
                    default: owner = nil
                    }
                    if let owner, owner != user { return owner }
                }
            }
            return nil
        }
    }

    /// How a request ended, from the client's result: the status with the accounting headers and the
    /// captured values, or the failure's kind. With `owner`, a 2xx answer carrying another user's data is
    /// `.foreign` — every answer is checked, none sampled.
    static func response(_ result: Result<HTTPResponse, any Error>, captures: [(name: String, pointer: String)],
                         headers: ResponseHeaders, owner: OwnerCheck? = nil) -> LoadResponse {
        switch result {
        case .success(let response):
            var captured: [String: String] = [:]
            var outcome = RequestOutcome.status(response.status)
            if response.isSuccess, !captures.isEmpty || owner != nil, let document = try? JSONValue.parse(response.body) {
                captured = HTTPLoadTransport.capture(captures, from: document)
                if let foreign = owner?.foreignOwner(in: document) { outcome = .foreign(status: response.status, owner: foreign) }
            }
            return LoadResponse(outcome: outcome, servedBy: headers.servedBy.flatMap { response.header($0) },
                                version: headers.version.flatMap { response.header($0) }, captured: captured)
        case .failure(let error as LabrunError):
            return LoadResponse(outcome: HTTPLoadTransport.classify(error))
        case .failure(is CancellationError):
            return LoadResponse(outcome: .connection("cancelled"))
        case .failure(let error):
            return LoadResponse(outcome: .connection(String(describing: error)))
        }
    }

    /// Maps a transport failure to an outcome: a timeout, or a connection failure naming its kind.
    public static func classify(_ error: LabrunError) -> RequestOutcome {
        switch error.id {
        case ErrorID.httpTimeout: return .timeout
        case ErrorID.httpConnect: return .connection("refused or unreachable")
        case ErrorID.httpTls: return .connection("TLS")
        default: return .connection(error.id.lowercased())
        }
    }

    /// The values the JSON pointers find in a body (numbers as written, strings as they are).
    static func capture(_ captures: [(name: String, pointer: String)], from document: JSONValue) -> [String: String] {
        var found: [String: String] = [:]
        for (name, pointer) in captures {
            guard let value = JSONPointer.resolve(pointer, in: document) else { continue }
            switch value {
            case .string(let text): found[name] = text
            case .number: found[name] = value.intValue.map(String.init) ?? value.description
            case .bool(let flag): found[name] = String(flag)
            default: continue
            }
        }
        return found
    }
}

/// RFC 6901 JSON pointers (`/items/0/id`).
enum JSONPointer {
    static func resolve(_ pointer: String, in document: JSONValue) -> JSONValue? {
        guard !pointer.isEmpty else { return document }
        guard pointer.hasPrefix("/") else { return nil }
        var current = document
        for raw in pointer.dropFirst().split(separator: "/", omittingEmptySubsequences: false) {
            let token = raw.replacingOccurrences(of: "~1", with: "/").replacingOccurrences(of: "~0", with: "~")
            switch current {
            case .object(let members):
                guard let next = members[token] else { return nil }
                current = next
            case .array(let items):
                guard let index = Int(token), items.indices.contains(index) else { return nil }
                current = items[index]
            default:
                return nil
            }
        }
        return current
    }

    /// Every value `pointer` reaches when a `*` token stands for every element of an array or member of an
    /// object (`/items/*/user_id`): none when a step does not exist.
    static func values(_ pointer: String, in document: JSONValue) -> [JSONValue] {
        guard !pointer.isEmpty else { return [document] }
        guard pointer.hasPrefix("/") else { return [] }
        var current = [document]
        for raw in pointer.dropFirst().split(separator: "/", omittingEmptySubsequences: false) {
            let token = raw.replacingOccurrences(of: "~1", with: "/").replacingOccurrences(of: "~0", with: "~")
            current = current.flatMap { value -> [JSONValue] in
                switch value {
                case .object(let members): return token == "*" ? members.keys.sorted().compactMap { members[$0] } : members[token].map { [$0] } ?? []
                case .array(let items):
                    if token == "*" { return items }
                    guard let index = Int(token), items.indices.contains(index) else { return [] }
                    return [items[index]]
                default: return []
                }
            }
        }
        return current
    }
}
