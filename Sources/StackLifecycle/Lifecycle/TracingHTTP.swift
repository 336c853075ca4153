import HTTPClient
import LabrunCore

/// Wraps an HTTP transport to show each request and its answer with `--verbose`
/// (`GET https://127.0.0.1:6443/api/v1/namespaces/todo → 200 (12ms)`); URLs pass the Redactor.
struct TracingHTTP: HTTPSending {
    let base: any HTTPSending
    let trace: @Sendable (String) -> Void

    func send(_ request: HTTPRequest) async throws -> HTTPResponse {
        do {
            let response = try await base.send(request)
            trace("\(request) → \(response.status) (\(formatSeconds(response.elapsed)))")
            return response
        } catch {
            trace("\(request) → \(error)")
            throw error
        }
    }

    func start(_ request: HTTPRequest, completion: @escaping @Sendable (Result<HTTPResponse, any Error>) -> Void) {
        let trace = trace
        base.start(request) { result in
            switch result {
            case .success(let response): trace("\(request) → \(response.status) (\(formatSeconds(response.elapsed)))")
            case .failure(let error): trace("\(request) → \(error)")
            }
            completion(result)
        }
    }

    func stream(_ request: HTTPRequest) async throws -> HTTPStream {
        trace("\(request) (stream)")
        return try await base.stream(request)
    }
}
