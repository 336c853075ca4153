/// The client a load generator sends through, chosen by the URL it aims at: on Linux, the epoll
/// engine (`PlainHTTPClient`) for `http://`; `HTTPClient` (libcurl) for `https://` and on other
/// systems. The one place the choice is made.
public enum LoadHTTPClient {
    public static func make(for baseURL: String, configuration: HTTPClientConfiguration) throws -> any HTTPClientEngine {
        #if os(Linux)
        if baseURL.lowercased().hasPrefix("http://") { return try PlainHTTPClient(configuration: configuration) }
        #endif
        return try HTTPClient(configuration: configuration)
    }
}
