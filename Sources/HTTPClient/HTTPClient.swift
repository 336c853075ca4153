import Foundation
import LabrunCore

/// An HTTP client on libcurl for probing the app, talking to the Kubernetes API, and generating load.
///
/// One client owns one libcurl multi handle driven by a dedicated thread (`CurlEventLoop`):
/// connections are kept and reused across requests, HTTP/2 is used where the server offers it, and
/// any number of tasks may call `send` at once — each call costs a continuation, not a thread.
/// TLS verification is always on. Requests are cancelled when their task is cancelled. Every request
/// is checked before it is sent (`HTTPRequest.check(configuration:)`): no control character in a
/// header or the URL, no credentials over plain HTTP unless allowed.
///
/// Measured throughput (`labrun-bench http`, release build, nginx on this 2-core machine while
/// other builds ran, small static page): with 32 concurrent tasks about 9,100 req/s against
/// wrk's 12,400 on the same URL (0.74×), with 128 tasks 7,350 vs 9,750 (0.75×); one task at a
/// time about 3,900 req/s (0.33× wrk: each request crosses two threads, the caller's and the
/// loop's, so a single sequential caller pays ~0.1 ms of hand-off). The load generator does not
/// send plain `http://` through this client on Linux: `LoadHTTPClient` picks `PlainHTTPClient`
/// (epoll, HTTP/1.1 only), which keeps up with wrk; this client carries its `https://` load and
/// everything else (the Kubernetes API, probes, streams).
///
/// ```swift
/// let http = try HTTPClient()
/// let response = try await http.send(HTTPRequest(.get, "http://127.0.0.1:8000/healthz"))
/// print(response.status, response.header("X-App-Version") ?? "-")
/// ```
public final class HTTPClient: HTTPClientEngine, @unchecked Sendable {
    public let configuration: HTTPClientConfiguration
    private let loop: CurlEventLoop

    /// Creates a client and starts its event-loop thread. Call `shutdown()` when done (or let it
    /// go: the last reference going away stops the thread).
    public init(configuration: HTTPClientConfiguration = HTTPClientConfiguration()) throws {
        self.configuration = configuration
        loop = try CurlEventLoop(name: "labrun-http", maxConnectionsPerHost: configuration.maxConnectionsPerHost)
    }

    deinit { loop.shutdown() }

    /// Stops the event loop; requests still in flight fail with `HTTP_CLOSED`.
    public func shutdown() { loop.shutdown() }

    /// Sends a request and returns the whole response, whatever its status (see
    /// `HTTPResponse.requireSuccess()`). Throws a `LabrunError` for a refused request (`HTTP_HEADER_INVALID`,
    /// `HTTP_URL_INVALID`, `HTTP_INSECURE_CREDENTIALS`) and for transport failures:
    /// `HTTP_CONNECT`, `HTTP_TIMEOUT`, `HTTP_TLS`, `HTTP_TRANSPORT`; `CancellationError` when the task is cancelled.
    public func send(_ request: HTTPRequest) async throws -> HTTPResponse {
        try request.check(configuration: configuration)
        let transfer = CurlTransfer(request: request, configuration: configuration, streaming: false)
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<HTTPResponse, any Error>) in
                transfer.onResponse = { continuation.resume(with: $0) }
                loop.submit(transfer)
            }
        } onCancel: { [loop] in
            loop.cancel(transfer)
        }
    }

    /// Sends a request and calls `completion` once, on the event loop's thread, with the whole response or
    /// the failure (the errors of `send`). No task, no continuation: the load generator starts thousands of
    /// requests a second this way. `completion` must be quick; it cannot be cancelled (the request's timeout
    /// bounds it).
    public func start(_ request: HTTPRequest, completion: @escaping @Sendable (Result<HTTPResponse, any Error>) -> Void) {
        do { try request.check(configuration: configuration) } catch {
            completion(.failure(error))
            return
        }
        let transfer = CurlTransfer(request: request, configuration: configuration, streaming: false)
        transfer.onResponse = completion
        loop.submit(transfer)
    }

    /// Opens a streaming request: returns as soon as the status and headers are in, with the body
    /// to be read line by line (Kubernetes watches, log follows). The stream ends when the server
    /// closes it, and is aborted by `HTTPStream.cancel()` or by cancelling the task iterating it.
    /// There is no overall timeout (only the connect timeout); TCP keep-alive detects dead peers.
    public func stream(_ request: HTTPRequest) async throws -> HTTPStream {
        try request.check(configuration: configuration)
        let transfer = CurlTransfer(request: request, configuration: configuration, streaming: true)
        let (lines, continuation) = AsyncThrowingStream<Data, any Error>.makeStream()
        transfer.lines = continuation
        continuation.onTermination = { [loop] _ in loop.cancel(transfer) }
        let head = try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (head: CheckedContinuation<(Int, HTTPHeaders), any Error>) in
                transfer.onHead = { head.resume(with: $0) }
                loop.submit(transfer)
            }
        } onCancel: { [loop] in
            loop.cancel(transfer)
        }
        return HTTPStream(status: head.0, headers: head.1, request: request.description, lines: lines,
                          owner: self, cancel: { [loop] in loop.cancel(transfer) })
    }
}

/// Anything that can send an HTTP request: the real `HTTPClient`, or a fake in unit tests.
public protocol HTTPSending: Sendable {
    func send(_ request: HTTPRequest) async throws -> HTTPResponse
    /// Sends without a task: `completion` is called once with the response or the failure.
    func start(_ request: HTTPRequest, completion: @escaping @Sendable (Result<HTTPResponse, any Error>) -> Void)
    func stream(_ request: HTTPRequest) async throws -> HTTPStream
    /// Does once what sending `request` needs whatever the time (checks, the bytes to write), for
    /// `start(prepared:)` to send it any number of times. Throws what `start` would fail with.
    /// By default it keeps the request as it is.
    func prepare(_ request: HTTPRequest) throws -> PreparedHTTPRequest
    /// Sends a prepared request as `start` sends a request.
    func start(prepared: PreparedHTTPRequest, completion: @escaping @Sendable (Result<HTTPResponse, any Error>) -> Void)
}

extension HTTPSending {
    public func prepare(_ request: HTTPRequest) throws -> PreparedHTTPRequest { PreparedHTTPRequest(request) }

    public func start(prepared: PreparedHTTPRequest, completion: @escaping @Sendable (Result<HTTPResponse, any Error>) -> Void) {
        start(prepared.request, completion: completion)
    }
}

/// A request with what a client worked out once to send it (`HTTPSending.prepare`): the load
/// generator's operations without placeholders are prepared once and sent thousands of times a second.
public struct PreparedHTTPRequest: Sendable {
    public let request: HTTPRequest
    /// The client's own form of it (the plain engine's checked bytes and endpoint), if it has one.
    let form: (any Sendable)?

    /// A request prepared by nothing but keeping it.
    public init(_ request: HTTPRequest) {
        self.request = request
        form = nil
    }

    init(_ request: HTTPRequest, form: any Sendable) {
        self.request = request
        self.form = form
    }
}

/// A client that owns a thread and its connections (`HTTPClient`, `PlainHTTPClient`): `shutdown()` it when done.
public protocol HTTPClientEngine: HTTPSending {
    /// Stops the client; requests still in flight fail with `HTTP_CLOSED`.
    func shutdown()
}

/// A client whose event loop can run a caller's schedule on its own thread (`PlainHTTPClient`): the
/// requests a schedule starts go straight to the loop, without a task woken per batch or a hand-off
/// between threads.
public protocol HTTPScheduling: HTTPClientEngine {
    /// Calls `tick` on the loop's thread at once, then again when the seconds it returned have passed (or
    /// sooner: whenever the loop wakes, so `tick` checks the time itself), until it returns nil; then returns.
    /// Cancelling the task stops the calls. `tick` must be quick: every request of the client waits for it.
    func run(schedule tick: @escaping @Sendable () -> Double?) async
}
