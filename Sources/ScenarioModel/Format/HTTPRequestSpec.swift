import LabrunCore

/// An HTTP request to the stack (through the frontend's `/api` proxy or the backend Service).
public struct HTTPRequestSpec: Sendable, Hashable, Codable {
    public var method: String
    /// Path and query, starting with `/`.
    public var path: String
    public var headers: [String: String]
    public var body: JSONValue?
    /// The workload whose Service receives it; empty means the stack's api workload (the parser
    /// fills in its name).
    public var service: String

    public static let methods = ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD"]

    public init(method: String = "GET", path: String, headers: [String: String] = [:], body: JSONValue? = nil,
                service: String = "") {
        self.method = method
        self.path = path
        self.headers = headers
        self.body = body
        self.service = service
    }
}

/// What an HTTP response must look like: status, headers (exact values) and a JSON body partial match.
public struct HTTPExpectation: Sendable, Hashable, Codable {
    /// Accepted statuses; empty means any 2xx.
    public var status: [Int]
    public var headers: [String: String]
    /// A subset the JSON body must contain (objects partially, arrays element by element).
    public var json: JSONValue?

    public init(status: [Int] = [], headers: [String: String] = [:], json: JSONValue? = nil) {
        self.status = status
        self.headers = headers
        self.json = json
    }

    /// Whether `code` is accepted.
    public func accepts(status code: Int) -> Bool {
        status.isEmpty ? (200..<300).contains(code) : status.contains(code)
    }
}

/// A request and what its response must look like.
public struct HTTPCheck: Sendable, Hashable, Codable {
    public var request: HTTPRequestSpec
    public var expect: HTTPExpectation

    public init(request: HTTPRequestSpec, expect: HTTPExpectation = HTTPExpectation()) {
        self.request = request
        self.expect = expect
    }
}
