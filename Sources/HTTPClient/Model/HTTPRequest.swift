import Foundation

/// One HTTP request, as a plain value.
public struct HTTPRequest: Sendable, CustomStringConvertible {
    public var method: HTTPMethod
    /// Absolute `http://` or `https://` URL, query included.
    public var url: String
    public var headers: HTTPHeaders
    public var body: Data?
    /// Seconds for the whole exchange; `nil` uses the client's default. Ignored for streams.
    public var timeout: Double?

    public init(_ method: HTTPMethod = .get, _ url: String, headers: HTTPHeaders = HTTPHeaders(),
                body: Data? = nil, timeout: Double? = nil) {
        self.method = method
        self.url = url
        self.headers = headers
        self.body = body
        self.timeout = timeout
    }

    /// A request with a JSON body (`Content-Type: application/json` unless `contentType` says otherwise).
    public static func json<T: Encodable>(_ method: HTTPMethod, _ url: String, body: T,
                                          contentType: String = "application/json",
                                          headers: HTTPHeaders = HTTPHeaders(), timeout: Double? = nil) throws -> HTTPRequest {
        var headers = headers
        headers.set("Content-Type", contentType)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.withoutEscapingSlashes]
        return HTTPRequest(method, url, headers: headers, body: try encoder.encode(body), timeout: timeout)
    }

    /// `METHOD url` (the query string is kept; secrets in it are redacted by the Redactor).
    public var description: String { "\(method) \(url)" }
}
