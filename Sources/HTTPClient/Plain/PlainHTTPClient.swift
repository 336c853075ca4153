#if os(Linux)
import Foundation
import LabrunCore

/// An HTTP/1.1 client for plain `http://` on Linux's epoll: the load generator's engine.
///
/// libcurl (`HTTPClient`) pays for what the load never uses — a transfer set up per request, a
/// `poll` over every connection at each wake-up, HTTP/2 and TLS machinery — and it capped the
/// generator at about 0.4× wrk on the throwaway nginx of `labrun-bench load`. This engine does only
/// what a load of plain HTTP/1.1 requests needs: one thread per client (`PlainEventLoop`) waiting
/// in `epoll_wait`, a pool of kept-alive connections per host and port (at most
/// `maxConnectionsPerHost`; requests beyond them wait for one), each request written with one
/// `send` from one buffer and its answer read by a bounded parser (`HTTPResponseParser`).
///
/// It behaves as `HTTPClient` where both apply: the same checks before sending
/// (`HTTPRequest.check(configuration:)`), the same fields sent (`HTTPRequestHead`), the same error
/// ids — `HTTP_TIMEOUT` when the request's `timeout` (or the client's) passes, `HTTP_CONNECT` when a
/// host is refused, unreachable or does not resolve, `HTTP_TRANSPORT` for anything else on the way,
/// `HTTP_CLOSED` after `shutdown()` — with messages that name the request (`METHOD url`), never a
/// header value. `HTTPResponse.elapsed` counts from `start` (or `send`) to the last byte: a wait for
/// a free connection is part of it. It speaks neither TLS nor HTTP/2 and does not stream: `https://`
/// URLs are refused (`HTTP_URL_INVALID`) and `stream` throws; use `HTTPClient` for those.
///
/// ```swift
/// let http = try PlainHTTPClient(configuration: HTTPClientConfiguration(maxConnectionsPerHost: 64))
/// http.start(HTTPRequest(.get, "http://127.0.0.1:8080/")) { result in print(result) }
/// ```
public final class PlainHTTPClient: HTTPScheduling, @unchecked Sendable {
    public let configuration: HTTPClientConfiguration
    private let loop: PlainEventLoop
    private let endpoints = PlainEndpointCache()

    /// Creates a client and starts its loop thread. Call `shutdown()` when done (or let it go: the last
    /// reference going away stops the thread).
    public init(configuration: HTTPClientConfiguration = HTTPClientConfiguration()) throws {
        self.configuration = configuration
        loop = try PlainEventLoop(name: "labrun-plain", configuration: configuration)
    }

    deinit { loop.shutdown() }

    /// Stops the loop; requests not yet answered fail with `HTTP_CLOSED`.
    public func shutdown() { loop.shutdown() }

    /// Sends a request and calls `completion` once, on the loop's thread, with the whole answer or the
    /// failure. No task and no continuation per request. `completion` must be quick.
    public func start(_ request: HTTPRequest, completion: @escaping @Sendable (Result<HTTPResponse, any Error>) -> Void) {
        do {
            loop.submit(PlainExchange(try PlainRequest(request, configuration: configuration, endpoints: endpoints), completion: completion))
        } catch {
            completion(.failure(error))
        }
    }

    /// Checks the request, resolves its host and writes its bytes, once: `start(prepared:)` then only
    /// hands them to the loop.
    public func prepare(_ request: HTTPRequest) throws -> PreparedHTTPRequest {
        PreparedHTTPRequest(request, form: try PlainRequest(request, configuration: configuration, endpoints: endpoints))
    }

    public func start(prepared: PreparedHTTPRequest, completion: @escaping @Sendable (Result<HTTPResponse, any Error>) -> Void) {
        guard let request = prepared.form as? PlainRequest else { return start(prepared.request, completion: completion) }
        loop.submit(PlainExchange(request, completion: completion))
    }

    /// Sends a request and returns the whole answer, whatever its status; `CancellationError` when the
    /// task is cancelled (the connection it was on is closed).
    public func send(_ request: HTTPRequest) async throws -> HTTPResponse {
        try Task.checkCancellation()
        let answer = OnceResult()
        let exchange = PlainExchange(try PlainRequest(request, configuration: configuration, endpoints: endpoints)) { answer.resume($0) }
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { continuation in
                answer.wait(continuation)
                loop.submit(exchange)
            }
        } onCancel: { [loop] in
            loop.cancel(exchange)
        }
    }

    /// Runs a schedule on the loop's thread (see `HTTPScheduling`): the requests `tick` starts are taken
    /// in as it returns, without the lock and the wake-up of a request from another thread.
    public func run(schedule tick: @escaping @Sendable () -> Double?) async {
        let schedule = PlainSchedule(tick: tick)
        await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                schedule.wait(continuation)
                loop.add(schedule)
            }
        } onCancel: { [loop] in
            loop.stop(schedule)
        }
    }

    /// Not supported: streams (Kubernetes watches, log follows) use `HTTPClient`, on libcurl.
    public func stream(_ request: HTTPRequest) async throws -> HTTPStream {
        throw LabrunError(id: ErrorID.httpSetup, exitCode: ExitCode.failure,
                          message: "\(request) was not sent: the plain HTTP engine answers whole responses only; streams use HTTPClient (libcurl).",
                          advice: "Open streams with HTTPClient.")
    }
}

/// The answer of one `send`, handed to its continuation whether it comes before or after the wait starts.
private final class OnceResult: @unchecked Sendable {
    private let lock = NSLock()
    private var continuation: CheckedContinuation<HTTPResponse, any Error>?
    private var early: Result<HTTPResponse, any Error>?

    func wait(_ continuation: CheckedContinuation<HTTPResponse, any Error>) {
        let ready: Result<HTTPResponse, any Error>? = lock.withLock {
            if let early { return early }
            self.continuation = continuation
            return nil
        }
        if let ready { continuation.resume(with: ready) }
    }

    func resume(_ result: Result<HTTPResponse, any Error>) {
        let waiting: CheckedContinuation<HTTPResponse, any Error>? = lock.withLock {
            guard let continuation else {
                early = result
                return nil
            }
            self.continuation = nil
            return continuation
        }
        waiting?.resume(with: result)
    }
}
#endif
