import Foundation

/// A response whose body is read as it arrives, one line at a time.
public final class HTTPStream: Sendable {
    public let status: Int
    public let headers: HTTPHeaders
    /// `METHOD url` of the request, for messages.
    public let request: String
    /// Body lines without line ends (empty lines skipped). Ends when the server closes the
    /// response; throws if the connection fails; cancelling the iterating task aborts the transfer.
    public let lines: AsyncThrowingStream<Data, any Error>
    private let cancelAction: @Sendable () -> Void
    // Keeps the client (and its event loop) alive while the stream is read.
    private let owner: (any Sendable)?

    public init(status: Int, headers: HTTPHeaders, request: String, lines: AsyncThrowingStream<Data, any Error>,
                owner: (any Sendable)? = nil, cancel: @escaping @Sendable () -> Void) {
        self.status = status
        self.headers = headers
        self.request = request
        self.lines = lines
        self.owner = owner
        self.cancelAction = cancel
    }

    public var isSuccess: Bool { (200..<300).contains(status) }

    /// Aborts the transfer; `lines` then ends with `CancellationError`.
    public func cancel() { cancelAction() }

    /// Reads the rest of the body (lines joined with `\n`), e.g. the error body of a non-2xx answer.
    public func readAll(limit: Int = 1 << 20) async throws -> Data {
        var data = Data()
        for try await line in lines {
            if !data.isEmpty { data.append(UInt8(ascii: "\n")) }
            data.append(line)
            if data.count > limit { cancel(); break }
        }
        return data
    }
}
