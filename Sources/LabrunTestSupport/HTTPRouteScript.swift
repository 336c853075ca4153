import Foundation
import HTTPClient

/// Scripted answers by route, `METHOD /path` (the query left out): each route answers in turn and
/// its last answer repeats; any other route gets a Kubernetes `NotFound` status. Drives a
/// `FakeHTTPTransport` that stands in for an API server whose objects change between polls.
///
/// ```swift
/// let script = HTTPRouteScript(["GET /api/v1/namespaces/lab/pods": [.json(200, before), .json(200, after)]])
/// let transport = FakeHTTPTransport(script)
/// ```
public final class HTTPRouteScript: @unchecked Sendable {
    private let lock = NSLock()
    private let routes: [String: [HTTPResponse]]
    private var served: [String: Int] = [:]

    public init(_ routes: [String: [HTTPResponse]]) { self.routes = routes }

    /// The next answer of the request's route.
    public func answer(_ request: HTTPRequest) -> HTTPResponse {
        let route = Self.route(of: request)
        return lock.withLock {
            guard let answers = routes[route], let last = answers.last else {
                return .json(404, #"{"kind":"Status","status":"Failure","reason":"NotFound","code":404,"message":"\#(route) is not scripted"}"#)
            }
            let index = served[route, default: 0]
            served[route] = index + 1
            return index < answers.count ? answers[index] : last
        }
    }

    /// `GET /api/v1/namespaces/lab/pods`: a request's method and path, without server or query.
    public static func route(of request: HTTPRequest) -> String {
        "\(request.method.rawValue) \(URLComponents(string: request.url)?.path ?? request.url)"
    }
}
