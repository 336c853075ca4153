#if os(Linux)
import Foundation
import LabrunCore
import LabrunTestSupport
import Testing
@testable import HTTPClient

/// The epoll engine against real servers on 127.0.0.1: scripted ones that answer byte for byte
/// (`ScriptedTCPServer`) and, where installed, a throwaway nginx. No test asserts how long anything took.
@Suite("PlainHTTPClient against local servers", .timeLimit(.minutes(1)))
struct PlainHTTPClientTests {
    static let ok = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"

    /// A server whose every connection answers each request it reads with `answer` (until the client closes).
    static func answering(_ answer: String) throws -> ScriptedTCPServer {
        try ScriptedTCPServer { connection in
            while connection.readRequest() != nil { connection.write(answer) }
        }
    }

    static func client(connections: Int = 8, timeout: Double = 10, bearerToken: String? = nil) throws -> PlainHTTPClient {
        try PlainHTTPClient(configuration: HTTPClientConfiguration(bearerToken: bearerToken, timeout: timeout, connectTimeout: 5,
                                                                   maxConnectionsPerHost: connections))
    }

    /// Starts every request at once with `start` and waits for all their results, in request order.
    static func startAll(_ client: PlainHTTPClient, _ requests: [HTTPRequest]) async -> [Result<HTTPResponse, any Error>] {
        let results = Results(count: requests.count)
        for (index, request) in requests.enumerated() {
            client.start(request) { results.set(index, $0) }
        }
        await results.wait()
        return results.all
    }

    final class Results: @unchecked Sendable {
        private let lock = NSLock()
        private var values: [Result<HTTPResponse, any Error>?]
        private var left: Int
        private var onDone: (@Sendable () -> Void)?
        init(count: Int) {
            values = Array(repeating: nil, count: count)
            left = count
        }
        func set(_ index: Int, _ result: Result<HTTPResponse, any Error>) {
            let done: (@Sendable () -> Void)? = lock.withLock {
                values[index] = result
                left -= 1
                return left == 0 ? onDone : nil
            }
            done?()
        }
        var all: [Result<HTTPResponse, any Error>] { lock.withLock { values.compactMap { $0 } } }
        /// Returns when every result is in.
        func wait() async {
            await withCheckedContinuation { (done: CheckedContinuation<Void, Never>) in
                let now: Bool = lock.withLock {
                    if left == 0 { return true }
                    onDone = { done.resume() }
                    return false
                }
                if now { done.resume() }
            }
        }
    }

    final class Counter: @unchecked Sendable {
        private let lock = NSLock()
        private var count = 0
        var value: Int { lock.withLock { count } }
        /// The count before this call.
        func next() -> Int { lock.withLock { defer { count += 1 }; return count } }
    }

    /// The LabrunError a request failed with.
    static func failure(_ client: PlainHTTPClient, _ request: HTTPRequest) async -> LabrunError? {
        do {
            let response = try await client.send(request)
            Issue.record("expected a failure, got HTTP \(response.status)")
            return nil
        } catch let error as LabrunError {
            return error
        } catch {
            Issue.record("expected a LabrunError, got \(error)")
            return nil
        }
    }

    // MARK: Answers

    @Test func statusHeadersBodyAndTiming() async throws {
        let server = try Self.answering("HTTP/1.1 200 OK\r\nContent-Length: 11\r\nX-Served-By: pod-a\r\nx-app-version: v9\r\n\r\n{\"n\": true}")
        defer { server.stop() }
        let http = try Self.client()
        let response = try await http.send(HTTPRequest(.get, server.url + "/json?x=1"))
        #expect(response.status == 200)
        #expect(response.header("X-App-Version") == "v9" && response.headers["x-served-by"] == "pod-a")
        #expect(try response.json()["n"] == .bool(true))
        #expect(response.request == "GET \(server.url)/json?x=1")
        #expect(response.elapsed > 0)
    }

    /// A server that answers every request with `ok` and records it in `seen`.
    static func recordingServer(_ seen: Captured) throws -> ScriptedTCPServer {
        try ScriptedTCPServer { connection in
            while let request = connection.readRequest() {
                seen.add(request)
                connection.write(Self.ok)
            }
        }
    }

    @Test func theRequestOnTheWire() async throws {
        let seen = Captured()
        let server = try Self.recordingServer(seen)
        defer { server.stop() }
        let http = try PlainHTTPClient(configuration: HTTPClientConfiguration(
            bearerToken: "tok-\(UUID().uuidString)", defaultHeaders: ["X-Default": "d", "X-Overridden": "default"],
            maxConnectionsPerHost: 2))
        let post = HTTPRequest(.post, server.url + "/api/tasks#fragment",
                               headers: ["Content-Type": "application/json", "X-Overridden": "request", "Accept": "", "Content-Length": "999"],
                               body: Data(#"{"title":"x"}"#.utf8))
        _ = try await http.send(post)
        _ = try await http.send(HTTPRequest(.put, server.url))
        let requests = seen.all
        try #require(requests.count == 2)
        let lines = requests[0].components(separatedBy: "\r\n")
        #expect(lines[0] == "POST /api/tasks HTTP/1.1")
        #expect(lines.contains("Host: 127.0.0.1:\(server.port)"))
        #expect(lines.contains("User-Agent: labrun"))
        #expect(!lines.contains { $0.hasPrefix("Accept:") }, "an empty value keeps the default out")
        #expect(lines.contains("X-Default: d") && lines.contains("X-Overridden: request") && !lines.contains("X-Overridden: default"))
        #expect(lines.contains { $0.hasPrefix("Authorization: Bearer tok-") })
        #expect(lines.filter { $0.hasPrefix("Content-Length:") } == ["Content-Length: 13"])
        #expect(!lines.contains { $0.hasPrefix("Expect:") })
        #expect(requests[0].hasSuffix("\r\n\r\n{\"title\":\"x\"}"))
        #expect(requests[1].hasPrefix("PUT / HTTP/1.1\r\n") && requests[1].contains("\r\nContent-Length: 0\r\n"))
    }

    @Test func chunkedSplitAndCloseDelimitedAnswers() async throws {
        let server = try ScriptedTCPServer { connection in
            while let request = connection.readRequest() {
                if request.hasPrefix("GET /chunked") {
                    connection.writeSplit("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n4\r\nwiki\r\n5;x=y\r\npedia\r\n0\r\nX-Trailer: t\r\n\r\n", size: 3)
                } else if request.hasPrefix("GET /interim") {
                    connection.write("HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 201 Created\r\nContent-Length: 4\r\n\r\ndone")
                } else {
                    connection.writeSplit("HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\n\r\nuntil the end", size: 5)
                    return
                }
            }
        }
        defer { server.stop() }
        let http = try Self.client()
        let chunked = try await http.send(HTTPRequest(.get, server.url + "/chunked"))
        #expect(chunked.text == "wikipedia" && chunked.header("x-trailer") == "t")
        let interim = try await http.send(HTTPRequest(.get, server.url + "/interim"))
        #expect(interim.status == 201 && interim.text == "done")
        let untilClose = try await http.send(HTTPRequest(.get, server.url + "/close"))
        #expect(untilClose.text == "until the end")
        #expect(server.accepted == 1, "the first two answers kept the connection")
    }

    @Test func headAnd204And304HaveNoBodyAndKeepTheConnection() async throws {
        let server = try ScriptedTCPServer { connection in
            while let request = connection.readRequest() {
                if request.hasPrefix("HEAD") {
                    connection.write("HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n")
                } else if request.hasPrefix("GET /204") {
                    connection.write("HTTP/1.1 204 No Content\r\n\r\n")
                } else if request.hasPrefix("GET /304") {
                    connection.write("HTTP/1.1 304 Not Modified\r\nContent-Length: 50\r\n\r\n")
                } else {
                    connection.write(Self.ok)
                }
            }
        }
        defer { server.stop() }
        let http = try Self.client()
        #expect(try await http.send(HTTPRequest(.head, server.url)).body.isEmpty)
        #expect(try await http.send(HTTPRequest(.get, server.url + "/204")).status == 204)
        #expect(try await http.send(HTTPRequest(.get, server.url + "/304")).status == 304)
        #expect(try await http.send(HTTPRequest(.get, server.url)).text == "ok")
        #expect(server.accepted == 1)
    }

    // MARK: Connections

    @Test func keptAliveUnlessTheRequestSaysClose() async throws {
        let server = try Self.answering(Self.ok)
        defer { server.stop() }
        let http = try Self.client()
        for _ in 0..<20 { #expect(try await http.send(HTTPRequest(.get, server.url)).status == 200) }
        #expect(server.accepted == 1)
        for _ in 0..<5 { #expect(try await http.send(HTTPRequest(.get, server.url, headers: ["Connection": "close"])).status == 200) }
        #expect(server.accepted == 5, "a connection per request that asked for close (the first reuses the kept one, then closes it)")
    }

    @Test func requestsBeyondThePoolWaitForAConnection() async throws {
        let server = try ScriptedTCPServer { connection in
            while connection.readRequest() != nil {
                usleep(20_000)
                connection.write(Self.ok)
            }
        }
        defer { server.stop() }
        let http = try Self.client(connections: 3)
        let results = await Self.startAll(http, (0..<30).map { HTTPRequest(.get, server.url + "/\($0)") })
        #expect(results.count == 30)
        #expect(results.allSatisfy { (try? $0.get().status) == 200 })
        #expect(server.accepted == 3)
    }

    @Test func aNameIsResolvedAndEveryAddressTried() async throws {
        // localhost may resolve to ::1 first; the server listens on 127.0.0.1 only.
        let server = try Self.answering(Self.ok)
        defer { server.stop() }
        let http = try Self.client()
        #expect(try await http.send(HTTPRequest(.get, "http://localhost:\(server.port)/")).status == 200)
        #expect(try await http.send(HTTPRequest(.get, "http://localhost:\(server.port)/")).status == 200)
        let error = await Self.failure(http, HTTPRequest(.get, "http://no-such-host.invalid/"))
        #expect(error?.id == ErrorID.httpConnect)
        #expect(error?.message.contains("did not resolve") == true)
    }

    @Test func aStaleKeptAliveConnectionIsRetriedOnceOnAFreshOne() async throws {
        let server = try ScriptedTCPServer { connection in
            guard connection.readRequest() != nil else { return }
            connection.write(Self.ok)
            if connection.index == 1 {
                // Reads the second request and closes without a byte of answer: a keep-alive the server dropped.
                connection.readRequest()
                return
            }
            while connection.readRequest() != nil { connection.write(Self.ok) }
        }
        defer { server.stop() }
        let http = try Self.client()
        #expect(try await http.send(HTTPRequest(.get, server.url + "/first")).status == 200)
        #expect(try await http.send(HTTPRequest(.post, server.url + "/second", body: Data("x".utf8))).status == 200)
        #expect(server.accepted == 2)
    }

    @Test func aFreshConnectionClosedWithoutAnAnswerIsNotRetried() async throws {
        let server = try ScriptedTCPServer { connection in connection.readRequest() }
        defer { server.stop() }
        let error = await Self.failure(try Self.client(), HTTPRequest(.get, server.url + "/x"))
        #expect(error?.id == ErrorID.httpTransport)
        #expect(error?.message == "GET \(server.url)/x failed: the answer never came: the server closed the connection without answering.")
        #expect(server.accepted == 1)
    }

    // MARK: Failures

    @Test func aServerThatClosesMidAnswer() async throws {
        let server = try ScriptedTCPServer { connection in
            connection.readRequest()
            connection.write("HTTP/1.1 200 OK\r\nContent-Length: 100\r\nAuthorization: secret-value\r\n\r\npartial")
        }
        defer { server.stop() }
        let error = await Self.failure(try Self.client(), HTTPRequest(.get, server.url + "/half"))
        #expect(error?.id == ErrorID.httpTransport)
        #expect(error?.message.hasPrefix("GET \(server.url)/half failed: the answer was cut short") == true)
        #expect(error?.message.contains("secret-value") == false)
    }

    @Test func aServerThatNeverAnswersTimesOut() async throws {
        let server = try ScriptedTCPServer { connection in connection.waitForClose() }
        defer { server.stop() }
        let http = try Self.client(timeout: 0.3)
        let error = await Self.failure(http, HTTPRequest(.get, server.url + "/slow"))
        #expect(error?.id == ErrorID.httpTimeout)
        #expect(error?.message.hasPrefix("GET \(server.url)/slow timed out (limit 300ms)") == true)
        // The request's own timeout wins over the client's.
        let own = await Self.failure(try Self.client(timeout: 60), HTTPRequest(.get, server.url + "/slow", timeout: 0.2))
        #expect(own?.id == ErrorID.httpTimeout)
    }

    @Test func oversizedAndMalformedAnswers() async throws {
        let server = try ScriptedTCPServer { connection in
            guard let request = connection.readRequest() else { return }
            if request.hasPrefix("GET /big-head") {
                connection.write("HTTP/1.1 200 OK\r\n" + String(repeating: "X-Filler: " + String(repeating: "f", count: 1000) + "\r\n", count: 80) + "\r\n")
            } else if request.hasPrefix("GET /big-body") {
                connection.write("HTTP/1.1 200 OK\r\nContent-Length: 999999999\r\n\r\n")
            } else {
                connection.write("SSH-2.0-OpenSSH_9.2\r\n")
            }
            connection.waitForClose()
        }
        defer { server.stop() }
        let http = try Self.client()
        let head = await Self.failure(http, HTTPRequest(.get, server.url + "/big-head"))
        #expect(head?.id == ErrorID.httpTransport)
        #expect(head?.message.contains("header fields over 64 KiB") == true)
        let body = await Self.failure(http, HTTPRequest(.get, server.url + "/big-body"))
        #expect(body?.message.contains("a body over 16 MiB (999999999 bytes declared)") == true)
        let other = await Self.failure(http, HTTPRequest(.get, server.url + "/ssh"))
        #expect(other?.message.contains("is not HTTP/1.x") == true)
    }

    @Test func aRefusedPort() async throws {
        let port = try Self.closedPort()
        let error = await Self.failure(try Self.client(), HTTPRequest(.get, "http://127.0.0.1:\(port)/"))
        #expect(error?.id == ErrorID.httpConnect)
        #expect(error?.message.hasPrefix("Could not connect for GET http://127.0.0.1:\(port)/: Connection refused") == true)
    }

    @Test func requestsAreCheckedBeforeAnythingIsSent() async throws {
        let http = try Self.client(bearerToken: "tok-\(UUID().uuidString)")
        let injected = await Self.failure(http, HTTPRequest(.get, "http://127.0.0.1:1/", headers: ["X-A": "a\r\nX-B: b"]))
        #expect(injected?.id == ErrorID.httpHeaderInvalid)
        let credentials = await Self.failure(http, HTTPRequest(.get, "http://192.0.2.1:8080/"))
        #expect(credentials?.id == ErrorID.httpInsecureCredentials)
        let tls = await Self.failure(http, HTTPRequest(.get, "https://127.0.0.1:1/"))
        #expect(tls?.id == ErrorID.httpURLInvalid && tls?.message.contains("plain http:// only") == true)
        let userinfo = await Self.failure(http, HTTPRequest(.get, "http://user:pw@127.0.0.1:1/"))
        #expect(userinfo?.id == ErrorID.httpURLInvalid)
        await #expect(throws: LabrunError.self) { try await http.stream(HTTPRequest(.get, "http://127.0.0.1:1/")) }
    }

    @Test func shutdownEndsWhatIsInFlight() async throws {
        let server = try ScriptedTCPServer { connection in connection.waitForClose() }
        defer { server.stop() }
        let http = try Self.client()
        let results = Results(count: 4)
        for index in 0..<3 {
            http.start(HTTPRequest(.get, server.url + "/\(index)")) { result in
                results.set(index, result)
                // A completion that starts another request while the loop stops: that one fails too, never hangs.
                if index == 0 { http.start(HTTPRequest(.get, server.url + "/again")) { results.set(3, $0) } }
            }
        }
        try await Wait.quick.until("the three connections") { server.accepted == 3 }
        http.shutdown()
        await results.wait()
        #expect(results.all.count == 4)
        #expect(results.all.allSatisfy { result in
            if case .failure(let error as LabrunError) = result { return error.id == ErrorID.httpClosed }
            return false
        })
        let after = await Self.failure(http, HTTPRequest(.get, server.url))
        #expect(after?.id == ErrorID.httpClosed)
    }

    @Test func cancellingTheTaskEndsTheRequest() async throws {
        let server = try ScriptedTCPServer { connection in connection.waitForClose() }
        defer { server.stop() }
        let http = try Self.client()
        let task = Task { try await http.send(HTTPRequest(.get, server.url)) }
        try await Wait.quick.until("the connection") { server.accepted == 1 }
        task.cancel()
        await #expect(throws: CancellationError.self) { try await task.value }
    }

    // MARK: Schedules and prepared requests

    @Test func aScheduleRunsOnTheLoopUntilItEnds() async throws {
        let server = try Self.answering(Self.ok)
        defer { server.stop() }
        let http = try Self.client(connections: 4)
        let results = Results(count: 30)
        let ticks = Counter()
        await http.run(schedule: {
            let tick = ticks.next()
            guard tick < 3 else { return nil }
            for index in 0..<10 {
                http.start(HTTPRequest(.get, server.url + "/\(tick)/\(index)")) { results.set(tick * 10 + index, $0) }
            }
            return 0.002
        })
        #expect(ticks.value == 4)
        await results.wait()
        #expect(results.all.allSatisfy { (try? $0.get().status) == 200 })
        #expect(server.accepted <= 4)
    }

    @Test func cancellingAScheduleStopsItsTicks() async throws {
        let http = try Self.client()
        let ticks = Counter()
        let task = Task { await http.run(schedule: { _ = ticks.next(); return 0.001 }) }
        try await Wait.quick.until("a few ticks") { ticks.value >= 3 }
        task.cancel()
        await task.value
        let after = ticks.value
        // The schedule left the loop before `run` returned: no tick comes after (a request's round trip
        // through the loop, answered or refused, is the barrier).
        _ = try? await http.send(HTTPRequest(.get, "http://127.0.0.1:\(try Self.closedPort())/"))
        #expect(ticks.value == after)
    }

    @Test func aScheduleOnAClientShutDownEndsAtOnce() async throws {
        let http = try Self.client()
        http.shutdown()
        let ticks = Counter()
        await http.run(schedule: { _ = ticks.next(); return 0.001 })
        #expect(ticks.value == 0)
    }

    @Test func aPreparedRequestIsSentManyTimes() async throws {
        let seen = Captured()
        let server = try Self.recordingServer(seen)
        defer { server.stop() }
        let http = try Self.client()
        let prepared = try http.prepare(HTTPRequest(.post, server.url + "/p", headers: ["X-A": "1"], body: Data("b".utf8)))
        let results = Results(count: 5)
        for index in 0..<5 { http.start(prepared: prepared) { results.set(index, $0) } }
        await results.wait()
        #expect(results.all.allSatisfy { (try? $0.get().request) == "POST \(server.url)/p" })
        #expect(Set(seen.all).count == 1 && seen.all.count == 5, "the same bytes each time")
        #expect(throws: LabrunError.self) { try http.prepare(HTTPRequest(.get, server.url, headers: ["X-B": "\r\n"])) }
    }

    // MARK: nginx

    @Test(.enabled(if: ThrowawayNginx.path != nil, "nginx is not installed (apt-get install nginx-light)"))
    func manyRequestsToARealServer() async throws {
        let nginx = try ThrowawayNginx()
        defer { nginx.stop() }
        let http = try Self.client(connections: 8)
        let kept = await Self.startAll(http, (0..<2_000).map { HTTPRequest(.get, nginx.url + "/\($0)") })
        #expect(kept.count == 2_000 && kept.allSatisfy { (try? $0.get().text) == "ok\n" })
        let closed = await Self.startAll(http, (0..<100).map { _ in HTTPRequest(.get, nginx.url + "/", headers: ["Connection": "close"]) })
        #expect(closed.allSatisfy { (try? $0.get().status) == 200 })
        let head = try await http.send(HTTPRequest(.head, nginx.url + "/"))
        #expect(head.status == 200 && head.body.isEmpty)
    }

    // MARK: Helpers

    final class Captured: @unchecked Sendable {
        private let lock = NSLock()
        private var requests: [String] = []
        func add(_ request: String) { lock.withLock { requests.append(request) } }
        var all: [String] { lock.withLock { requests } }
    }

    /// A port on 127.0.0.1 that nothing listens on.
    static func closedPort() throws -> Int {
        let server = try ScriptedTCPServer { _ in }
        server.stop()
        return server.port
    }
}

/// Debian's nginx on a free port of 127.0.0.1 with a throwaway configuration (as `labrun-bench load` starts it).
final class ThrowawayNginx: @unchecked Sendable {
    static let path = SystemProcessRunner().which("nginx")
    let url: String
    private let process: Process
    private let directory: String

    init() throws {
        guard let path = Self.path else { throw LabrunError(id: "TEST_NGINX", message: "nginx is not installed") }
        let port = try PlainHTTPClientTests.closedPort()
        directory = NSTemporaryDirectory() + "labrun-nginx-" + UUID().uuidString.prefix(8)
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let config = """
            worker_processes 1;
            daemon off;
            pid \(directory)/nginx.pid;
            error_log \(directory)/error.log;
            events { worker_connections 1024; }
            http {
                access_log off;
                client_body_temp_path \(directory)/body;
                proxy_temp_path \(directory)/proxy;
                fastcgi_temp_path \(directory)/fastcgi;
                uwsgi_temp_path \(directory)/uwsgi;
                scgi_temp_path \(directory)/scgi;
                server {
                    listen 127.0.0.1:\(port);
                    location / { return 200 "ok\\n"; }
                }
            }
            """
        try config.write(toFile: directory + "/nginx.conf", atomically: true, encoding: .utf8)
        process = Process()
        process.executableURL = URL(fileURLWithPath: path)
        process.arguments = ["-p", directory, "-c", directory + "/nginx.conf", "-e", directory + "/error.log"]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        url = "http://127.0.0.1:\(port)"
        for _ in 0..<100 {
            if ScriptedTCPServer.canConnect(port: port) { return }
            usleep(50_000)
        }
        stop()
        throw LabrunError(id: "TEST_NGINX", message: "nginx did not listen on 127.0.0.1:\(port) within 5 s")
    }

    func stop() {
        if process.isRunning {
            kill(process.processIdentifier, SIGQUIT)
            process.waitUntilExit()
        }
        try? FileManager.default.removeItem(atPath: directory)
    }
}
#endif
