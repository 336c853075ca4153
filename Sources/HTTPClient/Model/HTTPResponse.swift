import Foundation
import LabrunCore

/// A finished HTTP response: status, headers, whole body, and timing.
public struct HTTPResponse: Sendable {
    public var status: Int
    public var headers: HTTPHeaders
    public var body: Data
    /// The request this answers (`METHOD url`), for messages.
    public var request: String
    /// Seconds from sending the request to receiving the last byte.
    public var elapsed: Double

    public init(status: Int, headers: HTTPHeaders = HTTPHeaders(), body: Data = Data(), request: String = "", elapsed: Double = 0) {
        self.status = status
        self.headers = headers
        self.body = body
        self.request = request
        self.elapsed = elapsed
    }

    /// True for 2xx.
    public var isSuccess: Bool { (200..<300).contains(status) }

    /// The body as UTF-8 text (invalid bytes replaced).
    public var text: String { String(decoding: body, as: UTF8.self) }

    /// The first value of a header (case-insensitive).
    public func header(_ name: String) -> String? { headers[name] }

    /// The body parsed as JSON.
    public func json() throws -> JSONValue {
        do { return try JSONValue.parse(body) } catch {
            throw LabrunError(id: ErrorID.httpBadBody, exitCode: ExitCode.external,
                              message: "\(request) answered \(status) with a body that is not JSON: \(HTTPResponse.snippet(text)).")
        }
    }

    /// The body decoded into `T` with a plain `JSONDecoder`.
    public func decode<T: Decodable>(_ type: T.Type = T.self) throws -> T {
        do { return try JSONDecoder().decode(T.self, from: body) } catch {
            throw LabrunError(id: ErrorID.httpBadBody, exitCode: ExitCode.external,
                              message: "\(request) answered \(status) with a body that does not decode as \(T.self): \(error). Body: \(HTTPResponse.snippet(text)).")
        }
    }

    /// Throws a `LabrunError` (`HTTP_STATUS`) naming the request and status unless the status is 2xx.
    @discardableResult
    public func requireSuccess() throws -> HTTPResponse {
        guard isSuccess else {
            throw LabrunError(id: ErrorID.httpStatus, exitCode: ExitCode.external,
                              message: "\(request) answered HTTP \(status): \(HTTPResponse.snippet(text)).",
                              debugDetail: text)
        }
        return self
    }

    /// The first 300 characters of a body, on one line, for messages.
    static func snippet(_ text: String) -> String {
        let line = text.replacingOccurrences(of: "\n", with: " ").trimmingCharacters(in: .whitespaces)
        if line.isEmpty { return "(empty body)" }
        return line.count > 300 ? String(line.prefix(300)) + "…" : line
    }
}
