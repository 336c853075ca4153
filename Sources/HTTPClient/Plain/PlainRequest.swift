#if os(Linux)
import Foundation
import LabrunCore

/// A request checked and written for the plain engine: the bytes to send, where to, and what its
/// answer looks like. Made once per `start`, or once for many by `PlainHTTPClient.prepare`.
final class PlainRequest: Sendable {
    /// Request line, fields and body (`HTTPRequestHead`).
    let head: [UInt8]
    /// `METHOD url`: named in errors and in `HTTPResponse.request` (never a header value).
    let description: String
    let endpoint: PlainEndpoint
    let isHead: Bool
    /// The request asked for `Connection: close`: its connection ends with it.
    let closesConnection: Bool
    /// Seconds for the whole exchange (the request's timeout, else the client's).
    let timeout: Double

    /// Checks `request` as `HTTPClient.start` does, resolves its host (once per host, `endpoints`) and writes it.
    init(_ request: HTTPRequest, configuration: HTTPClientConfiguration, endpoints: PlainEndpointCache) throws {
        try request.check(configuration: configuration)
        let target = try HTTPTarget(request.url, method: request.method)
        description = request.description
        endpoint = try endpoints.endpoint(for: target, request: description)
        head = HTTPRequestHead.bytes(for: request, target: target, configuration: configuration)
        isHead = request.method == .head
        closesConnection = request.headers.values("Connection").contains { value in
            value.split(separator: ",").contains { $0.trimmingCharacters(in: .whitespaces).lowercased() == "close" }
        }
        timeout = request.timeout ?? configuration.timeout
    }
}
#endif
