import Foundation
import HTTPClient
import LabrunCore

/// The real `LoadTransport`: the todo API over labrun's libcurl `HTTPClient`.
///
/// One client (one libcurl multi handle, one event-loop thread, kept-alive connections) carries
/// every request of a run, so hundreds of requests per second cost continuations, not threads.
/// Operations map to the API as `LoadTransport` documents; the answer's `X-Served-By` and
/// `X-App-Version` headers are kept for accounting. It never throws: every failure is an outcome.
///
/// By default each request asks for its own connection (`Connection: close`): kube-proxy balances
/// connections, not requests, so kept-alive connections would pin the whole load to the pods that
/// happened to accept them, and a new replica would never see traffic. `reuseConnections: true`
/// keeps connections alive (for benchmarks of the generator itself).
public final class HTTPLoadTransport: LoadTransport, @unchecked Sendable {
    /// Base URL of the service that receives the load, e.g. `http://10.250.0.1:31234` (no trailing slash).
    public let baseURL: String
    /// Whether requests share kept-alive connections (default: a connection per request).
    public let reuseConnections: Bool
    /// Checked before each request: a reason not to send it (the target left this host), or nil.
    public var sendGuard: (@Sendable () -> String?)?
    private let http: any HTTPSending
    private let ownsClient: HTTPClient?

    /// A transport on a client of its own (sized for `maxConnections` concurrent requests).
    public convenience init(baseURL: String, maxConnections: Int = 256, reuseConnections: Bool = false) throws {
        let client = try HTTPClient(configuration: HTTPClientConfiguration(
            timeout: 30, connectTimeout: 3, maxConnectionsPerHost: max(8, maxConnections)))
        self.init(baseURL: baseURL, http: client, owns: client, reuseConnections: reuseConnections)
    }

    /// A transport on a given client (a fake in unit tests).
    public init(baseURL: String, http: any HTTPSending, reuseConnections: Bool = false) {
        self.baseURL = HTTPLoadTransport.trimmed(baseURL)
        self.http = http
        self.ownsClient = nil
        self.reuseConnections = reuseConnections
    }

    private init(baseURL: String, http: any HTTPSending, owns: HTTPClient, reuseConnections: Bool) {
        self.baseURL = HTTPLoadTransport.trimmed(baseURL)
        self.http = http
        self.ownsClient = owns
        self.reuseConnections = reuseConnections
    }

    deinit { ownsClient?.shutdown() }

    static func trimmed(_ url: String) -> String { url.hasSuffix("/") ? String(url.dropLast()) : url }

    /// Pre-encoded bodies: the load's hot path allocates as little as it can.
    private static let createBody = Data(#"{"title":"labrun load","description":"written by the load generator"}"#.utf8)

    /// The HTTP request for one load request.
    public func httpRequest(for request: LoadRequest) -> HTTPRequest {
        var headers = HTTPHeaders()
        headers.add("Accept", "application/json")
        if !reuseConnections { headers.add("Connection", "close") }
        switch request.operation {
        case .list:
            return HTTPRequest(.get, baseURL + "/api/tasks?limit=50", headers: headers, timeout: request.timeout)
        case .create:
            headers.add("Content-Type", "application/json")
            if let key = request.idempotencyKey { headers.add("Idempotency-Key", key) }
            return HTTPRequest(.post, baseURL + "/api/tasks", headers: headers, body: Self.createBody, timeout: request.timeout)
        case .get:
            return HTTPRequest(.get, baseURL + "/api/tasks/" + (request.taskID ?? "0"), headers: headers, timeout: request.timeout)
        case .complete:
            return HTTPRequest(.post, baseURL + "/api/tasks/" + (request.taskID ?? "0") + "/complete", headers: headers,
                               timeout: request.timeout)
        }
    }

    public func send(_ request: LoadRequest) async -> LoadResponse {
        if let refusal = sendGuard?() { return LoadResponse(outcome: .connection(refusal)) }
        let outgoing = httpRequest(for: request)
        do {
            let response = try await http.send(outgoing)
            var created: String?
            if request.operation == .create, response.isSuccess {
                created = HTTPLoadTransport.taskID(in: response.body)
            }
            return LoadResponse(outcome: .status(response.status), servedBy: response.header("X-Served-By"),
                                version: response.header("X-App-Version"), createdTaskID: created)
        } catch let error as LabrunError {
            return LoadResponse(outcome: HTTPLoadTransport.classify(error))
        } catch is CancellationError {
            return LoadResponse(outcome: .connection("cancelled"))
        } catch {
            return LoadResponse(outcome: .connection(String(describing: error)))
        }
    }

    /// Maps a transport failure to an outcome: a timeout, or a connection failure naming its kind.
    public static func classify(_ error: LabrunError) -> RequestOutcome {
        switch error.id {
        case "HTTP_TIMEOUT": return .timeout
        case "HTTP_CONNECT": return .connection("refused or unreachable")
        case "HTTP_TLS": return .connection("TLS")
        default: return .connection(error.id.lowercased())
        }
    }

    /// The `"id"` of a created task, read without decoding the whole body.
    static func taskID(in body: Data) -> String? {
        guard let object = try? JSONSerialization.jsonObject(with: body) as? [String: Any] else { return nil }
        if let number = object["id"] as? Int { return String(number) }
        if let text = object["id"] as? String { return text }
        return nil
    }
}
