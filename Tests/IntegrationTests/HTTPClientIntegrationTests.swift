import Foundation
import HTTPClient
import LabrunCore
import Testing

@Suite("HTTPClient against local HTTP and HTTPS servers",
       .enabled(if: HTTPTestServer.shouldRun, HTTPTestServer.skipComment), .httpServer)
struct HTTPClientIntegrationTests {
    @Test(.timeLimit(.minutes(1)))
    func jsonStatusAndHeaders() async throws {
        let server = try httpServer()
        let http = try HTTPClient()
        let response = try await http.send(HTTPRequest(.get, server.plain + "/json"))
        #expect(response.status == 200)
        #expect(response.header("x-app-version") == "v9")
        #expect(response.headers["X-Served-By"] == "pod-a")
        #expect(try response.json()["n"] == .number(3))
        struct Body: Decodable { var ok: Bool }
        #expect(try response.decode(Body.self).ok)
        #expect(response.elapsed > 0)
    }

    @Test(.timeLimit(.minutes(1)))
    func methodsAndBodiesAreSent() async throws {
        let server = try httpServer()
        let http = try HTTPClient()
        for method in [HTTPMethod.post, .put, .patch, .delete] {
            let request = try HTTPRequest.json(method, server.plain + "/echo", body: ["title": "x"])
            let echo = try await http.send(request).json()
            #expect(echo["method"]?.stringValue == method.rawValue)
            #expect(echo["body"]?.stringValue == #"{"title":"x"}"#)
            #expect(echo["type"]?.stringValue == "application/json")
            #expect(echo["expect"] == .null)           // no "Expect: 100-continue" round trip
            #expect(echo["agent"]?.stringValue == "labrun")
        }
        let empty = try await http.send(HTTPRequest(.delete, server.plain + "/echo")).json()
        #expect(empty["method"]?.stringValue == "DELETE")
        #expect(empty["body"]?.stringValue == "")
    }

    @Test(.timeLimit(.minutes(1)))
    func errorStatusesAreAnswersNotFailures() async throws {
        let server = try httpServer()
        let http = try HTTPClient()
        let response = try await http.send(HTTPRequest(.get, server.plain + "/status/503"))
        #expect(response.status == 503)
        do {
            try response.requireSuccess()
            Issue.record("expected HTTP_STATUS")
        } catch let error as LabrunError {
            #expect(error.id == "HTTP_STATUS")
            #expect(error.message.contains("GET \(server.plain)/status/503 answered HTTP 503"))
        }
    }

    @Test(.timeLimit(.minutes(1)))
    func timeoutsAndRefusedConnections() async throws {
        let server = try httpServer()
        let http = try HTTPClient()
        let start = Date()
        do {
            _ = try await http.send(HTTPRequest(.get, server.plain + "/slow?s=3", timeout: 0.4))
            Issue.record("expected a timeout")
        } catch let error as LabrunError {
            #expect(error.id == "HTTP_TIMEOUT")
            #expect(error.exitCode == ExitCode.timeout)
        }
        #expect(Date().timeIntervalSince(start) < 2)
        do {
            _ = try await http.send(HTTPRequest(.get, "http://127.0.0.1:\(try PostgresTestServer.freePort())/"))
            Issue.record("expected a refused connection")
        } catch let error as LabrunError {
            #expect(error.id == "HTTP_CONNECT")
            #expect(error.advice?.contains("running") == true)
        }
    }

    @Test(.timeLimit(.minutes(1)))
    func connectionsAreReused() async throws {
        let server = try httpServer()
        let http = try HTTPClient()
        var ports = Set<Int>()
        for _ in 0..<20 {
            ports.insert(try await http.send(HTTPRequest(.get, server.plain + "/peer")).json()["port"]?.intValue ?? -1)
        }
        #expect(ports.count == 1, "20 sequential requests used \(ports.count) connections")
    }

    @Test(.timeLimit(.minutes(2)))
    func manyConcurrentRequestsFromManyTasks() async throws {
        let server = try httpServer()
        let http = try HTTPClient(configuration: HTTPClientConfiguration(maxConnectionsPerHost: 16))
        let start = Date()
        let statuses = try await withThrowingTaskGroup(of: Int.self) { group in
            for task in 0..<100 {
                group.addTask {
                    var ok = 0
                    for _ in 0..<10 where try await http.send(HTTPRequest(.get, server.plain + (task % 2 == 0 ? "/json" : "/peer"))).status == 200 {
                        ok += 1
                    }
                    return ok
                }
            }
            return try await group.reduce(0, +)
        }
        #expect(statuses == 1000)
        let seconds = Date().timeIntervalSince(start)
        print("HTTPClient: 1000 requests from 100 tasks over ≤16 connections in \(formatSeconds(seconds)) (\(Int(1000 / seconds)) req/s against Python's http.server)")
    }

    @Test(.timeLimit(.minutes(1)))
    func cancellingTheTaskAbortsTheRequest() async throws {
        let server = try httpServer()
        let http = try HTTPClient()
        let task = Task { try await http.send(HTTPRequest(.get, server.plain + "/slow?s=5")) }
        try await Task.sleep(nanoseconds: 200_000_000)
        let start = Date()
        task.cancel()
        await #expect(throws: CancellationError.self) { _ = try await task.value }
        #expect(Date().timeIntervalSince(start) < 1)
        // The client is still usable.
        #expect(try await http.send(HTTPRequest(.get, server.plain + "/json")).status == 200)
    }

    @Test(.timeLimit(.minutes(1)))
    func streamsLinesAcrossChunkBoundaries() async throws {
        let server = try httpServer()
        let http = try HTTPClient()
        let stream = try await http.stream(HTTPRequest(.get, server.plain + "/stream?n=200"))
        #expect(stream.status == 200)
        var numbers: [Int] = []
        for try await line in stream.lines { numbers.append(try JSONValue.parse(line)["i"]?.intValue ?? -1) }
        #expect(numbers == Array(0..<200))
    }

    @Test(.timeLimit(.minutes(1)))
    func cancellingAStreamEndsIt() async throws {
        let server = try httpServer()
        let http = try HTTPClient()
        let stream = try await http.stream(HTTPRequest(.get, server.plain + "/stream?n=3&hang=1"))
        var count = 0
        let start = Date()
        do {
            for try await _ in stream.lines {
                count += 1
                if count == 3 { stream.cancel() }
            }
        } catch is CancellationError {}
        #expect(count == 3)
        #expect(Date().timeIntervalSince(start) < 5)
    }

    @Test(.timeLimit(.minutes(1)))
    func bearerTokensAreSentButNeverShown() async throws {
        let server = try httpServer()
        let anonymous = try HTTPClient()
        #expect(try await anonymous.send(HTTPRequest(.get, server.plain + "/auth")).status == 401)
        let configuration = HTTPClientConfiguration(bearerToken: server.token)
        let authorised = try HTTPClient(configuration: configuration)
        #expect(try await authorised.send(HTTPRequest(.get, server.plain + "/auth")).status == 200)
        var headers = HTTPHeaders()
        headers.set("Authorization", "Bearer \(server.token)")
        #expect(!headers.description.contains(server.token))
        let error = LabrunError(id: "X", message: "failed with Authorization: Bearer \(server.token)")
        #expect(!error.description.contains(server.token))
    }

    @Test(.timeLimit(.minutes(1)))
    func mutualTLSWithInMemoryAndFileCredentials() async throws {
        let server = try httpServer()
        let inMemory = try HTTPClient(configuration: HTTPClientConfiguration(tls: TLSConfiguration(
            certificateAuthority: .pem(try server.pem("ca.crt")), clientCertificate: .pem(try server.pem("client.crt")),
            clientKey: .pem(try server.pem("client.key")))))
        let first = try await inMemory.send(HTTPRequest(.get, server.secure + "/json"))
        #expect(first.status == 200)
        let files = try HTTPClient(configuration: HTTPClientConfiguration(tls: TLSConfiguration(
            certificateAuthority: .file(server.file("ca.crt")), clientCertificate: .file(server.file("client.crt")),
            clientKey: .file(server.file("client.key")))))
        #expect(try await files.send(HTTPRequest(.get, server.secure + "/json")).status == 200)
    }

    @Test(.timeLimit(.minutes(1)))
    func tlsVerificationIsAlwaysOn() async throws {
        let server = try httpServer()
        let clientCert = TLSConfiguration.Source.pem(try server.pem("client.crt"))
        let clientKey = TLSConfiguration.Source.pem(try server.pem("client.key"))
        // Not trusting the test CA (system store only): refused.
        let untrusting = try HTTPClient(configuration: HTTPClientConfiguration(tls: TLSConfiguration(clientCertificate: clientCert, clientKey: clientKey)))
        await expectTLSFailure { _ = try await untrusting.send(HTTPRequest(.get, server.secure + "/json")) }
        // Right CA, wrong host name (the certificate is for 127.0.0.1 only): refused.
        let trusting = try HTTPClient(configuration: HTTPClientConfiguration(tls: TLSConfiguration(
            certificateAuthority: .pem(try server.pem("ca.crt")), clientCertificate: clientCert, clientKey: clientKey)))
        await expectTLSFailure { _ = try await trusting.send(HTTPRequest(.get, "https://localhost:\(server.tlsPort)/json")) }
        // No client certificate: the server refuses the handshake.
        let noCert = try HTTPClient(configuration: HTTPClientConfiguration(tls: TLSConfiguration(certificateAuthority: .pem(try server.pem("ca.crt")))))
        await #expect(throws: LabrunError.self) { _ = try await noCert.send(HTTPRequest(.get, server.secure + "/json")) }
    }

    private func expectTLSFailure(_ body: () async throws -> Void) async {
        do {
            try await body()
            Issue.record("expected a TLS failure")
        } catch let error as LabrunError {
            #expect(error.id == "HTTP_TLS", "\(error)")
        } catch {
            Issue.record("unexpected \(error)")
        }
    }
}
