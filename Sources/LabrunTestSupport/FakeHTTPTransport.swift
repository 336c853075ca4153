import Foundation
import HTTPClient

/// A scripted `HTTPSending`: records every request and answers from a handler, so a client
/// (the Kubernetes client, a scenario's HTTP requests) runs in unit tests without a server.
///
/// Like the real client it refuses, before recording it, a request with a control character in a
/// header or its URL, or with credentials over plain HTTP to another host (unless
/// `allowInsecureCredentials`): `refused` lists those.
public final class FakeHTTPTransport: HTTPSending, @unchecked Sendable {
    /// One scripted stream answer: status and the lines of the body (then the stream ends, or fails).
    public struct StreamScript: Sendable {
        public var status: Int
        public var chunks: [String]
        public var failure: (any Error)?

        public init(status: Int = 200, chunks: [String], failure: (any Error)? = nil) {
            self.status = status
            self.chunks = chunks
            self.failure = failure
        }
    }

    private let lock = NSLock()
    private var _requests: [HTTPRequest] = []
    private var _refused: [HTTPRequest] = []
    /// Whether credentials may go over plain HTTP (`--allow-insecure-credentials`).
    public var allowInsecureCredentials = false
    private var streams: [StreamScript]
    private let handler: @Sendable (HTTPRequest) -> HTTPResponse

    public init(streams: [StreamScript] = [], handler: @escaping @Sendable (HTTPRequest) -> HTTPResponse = { _ in HTTPResponse(status: 200, body: Data("{}".utf8)) }) {
        self.streams = streams
        self.handler = handler
    }

    /// A transport answering every request from a route script.
    public convenience init(_ script: HTTPRouteScript) {
        self.init { script.answer($0) }
    }

    /// Every request sent so far (streams included), in order.
    public var requests: [HTTPRequest] { lock.withLock { _requests } }

    /// Every request refused by the checks the real client makes (never sent).
    public var refused: [HTTPRequest] { lock.withLock { _refused } }

    private func check(_ request: HTTPRequest) throws {
        do { try request.check(allowInsecureCredentials: lock.withLock { allowInsecureCredentials }) } catch {
            lock.withLock { _refused.append(request) }
            throw error
        }
    }

    public func send(_ request: HTTPRequest) async throws -> HTTPResponse {
        try check(request)
        lock.withLock { _requests.append(request) }
        var response = handler(request)
        response.request = request.description
        return response
    }

    public func start(_ request: HTTPRequest, completion: @escaping @Sendable (Result<HTTPResponse, any Error>) -> Void) {
        do { try check(request) } catch {
            completion(.failure(error))
            return
        }
        lock.withLock { _requests.append(request) }
        var response = handler(request)
        response.request = request.description
        completion(.success(response))
    }

    public func stream(_ request: HTTPRequest) async throws -> HTTPStream {
        try check(request)
        let script: StreamScript? = lock.withLock {
            _requests.append(request)
            return streams.isEmpty ? nil : streams.removeFirst()
        }
        let (lines, continuation) = AsyncThrowingStream<Data, any Error>.makeStream()
        guard let script else {
            // No more scripts: a stream that stays open until cancelled.
            return HTTPStream(status: 200, headers: HTTPHeaders(), request: request.description, lines: lines,
                              cancel: { continuation.finish(throwing: CancellationError()) })
        }
        var splitter = LineSplitter()
        for chunk in script.chunks {
            for line in try splitter.append(Data(chunk.utf8)) { continuation.yield(line) }
        }
        if let rest = splitter.finish() { continuation.yield(rest) }
        if let failure = script.failure { continuation.finish(throwing: failure) } else { continuation.finish() }
        return HTTPStream(status: script.status, headers: HTTPHeaders(), request: request.description, lines: lines,
                          cancel: { continuation.finish() })
    }
}

extension HTTPResponse {
    /// A response with a JSON body.
    public static func json(_ status: Int, _ text: String) -> HTTPResponse {
        HTTPResponse(status: status, headers: ["Content-Type": "application/json"], body: Data(text.utf8))
    }
}
