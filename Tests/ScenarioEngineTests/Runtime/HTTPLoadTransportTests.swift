import Foundation
import HTTPClient
import LabrunCore
import LabrunTestSupport
import StackModel
import Testing
@testable import ScenarioEngine
@testable import ScenarioModel

/// The load transport's mapping of operations to the todo API, and of answers to outcomes.
@Suite struct HTTPLoadTransportTests {
    final class ScriptedHTTP: HTTPSending, @unchecked Sendable {
        let lock = NSLock()
        var sent: [HTTPRequest] = []
        let answer: @Sendable (HTTPRequest) throws -> HTTPResponse
        init(_ answer: @escaping @Sendable (HTTPRequest) throws -> HTTPResponse) { self.answer = answer }
        func send(_ request: HTTPRequest) async throws -> HTTPResponse {
            lock.withLock { sent.append(request) }
            return try answer(request)
        }
        func start(_ request: HTTPRequest, completion: @escaping @Sendable (Result<HTTPResponse, any Error>) -> Void) {
            lock.withLock { sent.append(request) }
            completion(Result { try answer(request) })
        }
        func stream(_ request: HTTPRequest) async throws -> HTTPStream {
            throw LabrunError(id: "UNUSED", message: "not used")
        }
    }

    @Test func operationsMapToTheAPI() throws {
        let transport = HTTPLoadTransport(baseURL: "http://10.250.0.1:30000/", traffic: TestStacks.todo.traffic, headers: TestStacks.todo.headers, http: ScriptedHTTP { _ in HTTPResponse(status: 200) })
        let user = ["user": "labrun-user-2"]
        let list = try #require(transport.httpRequest(for: LoadRequest(sequence: 0, operation: .list, variables: user, timeout: 5)))
        #expect(list.url == "http://10.250.0.1:30000/api/labrun-user-2/tasks?limit=50" && list.method == .get && list.timeout == 5)
        #expect(list.headers["Connection"] == "close", "a connection per request, so kube-proxy spreads the load")
        let kept = HTTPLoadTransport(baseURL: "http://h", traffic: TestStacks.todo.traffic, headers: TestStacks.todo.headers, http: ScriptedHTTP { _ in HTTPResponse(status: 200) }, reuseConnections: true)
        #expect(kept.httpRequest(for: LoadRequest(sequence: 0, operation: .list, variables: user, timeout: 5))?.headers["Connection"] == nil)
        let create = try #require(transport.httpRequest(for: LoadRequest(sequence: 1, operation: .create, idempotencyKey: "labrun-x-1", variables: user, timeout: 5)))
        #expect(create.method == .post && create.url.hasSuffix("/api/labrun-user-2/tasks"))
        #expect(create.headers["Idempotency-Key"] == "labrun-x-1" && create.headers["Content-Type"] == "application/json")
        let get = try #require(transport.httpRequest(for: LoadRequest(sequence: 2, operation: .get, variables: ["id": "42", "user": "labrun-user-2"], timeout: 5)))
        #expect(get.url.hasSuffix("/api/labrun-user-2/tasks/42"))
        let complete = try #require(transport.httpRequest(for: LoadRequest(sequence: 3, operation: .complete, variables: ["id": "42", "user": "labrun-user-2"], timeout: 5)))
        #expect(complete.method == .post && complete.url.hasSuffix("/api/labrun-user-2/tasks/42/complete"))
        #expect(transport.httpRequest(for: LoadRequest(sequence: 4, operation: "nonexistent", timeout: 5)) == nil)
    }

    @Test func templatesFillEveryPlaceholderAndCaptureByJSONPointer() async throws {
        let traffic = StackTraffic(workload: "api", operations: [
            TrafficOperation(name: "order", method: "PUT", path: "/v1/orders/${idempotencyKey}?n=${sequence}",
                             headers: ["X-Request": "${idempotencyKey}"],
                             body: ["ref": "${idempotencyKey}", "lines": [["sku": "s-${sequence}", "qty": 2]]],
                             captures: ["order": "/data/0/order~1id", "first": "/data/0/n"], write: true),
        ])
        let http = ScriptedHTTP { _ in HTTPResponse(status: 201, body: Data(#"{"data":[{"order/id":"o-7","n":3}]}"#.utf8)) }
        let transport = HTTPLoadTransport(baseURL: "http://h", traffic: traffic, headers: ResponseHeaders(version: "X-Build"), http: http)
        let request = LoadRequest(sequence: 9, operation: "order", idempotencyKey: "k-9", timeout: 1)
        let outgoing = try #require(transport.httpRequest(for: request))
        #expect(outgoing.method == .put && outgoing.url == "http://h/v1/orders/k-9?n=9")
        #expect(outgoing.headers["X-Request"] == "k-9")
        let body = try JSONValue.parse(try #require(outgoing.body))
        #expect(body == ["ref": "k-9", "lines": [["sku": "s-9", "qty": 2]]])
        let response = await transport.send(request)
        #expect(response.captured == ["order": "o-7", "first": "3"])
    }

    @Test func theStacksCredentialsGoOnEveryRequestUnlessTheTemplateSetsItsOwn() throws {
        let traffic = StackTraffic(workload: "api", operations: [
            TrafficOperation(name: "mine", method: "GET", path: "/v1/me"),
            TrafficOperation(name: "anonymous", method: "GET", path: "/v1/public", headers: ["Authorization": "none"]),
        ], auth: .bearer(secret: "s", key: "k"))
        let transport = HTTPLoadTransport(baseURL: "http://h", traffic: traffic, headers: ResponseHeaders(),
                                          http: ScriptedHTTP { _ in HTTPResponse(status: 200) })
        #expect(try #require(transport.httpRequest(for: LoadRequest(sequence: 0, operation: "mine", timeout: 1))).headers["Authorization"] == nil,
                "no credentials until the driver has read them")
        transport.credentials = RequestCredentials(shared: "Bearer t0k3n")
        #expect(try #require(transport.httpRequest(for: LoadRequest(sequence: 1, operation: "mine", timeout: 1))).headers["Authorization"] == "Bearer t0k3n")
        #expect(try #require(transport.httpRequest(for: LoadRequest(sequence: 2, operation: "anonymous", timeout: 1))).headers["Authorization"] == "none")
    }

    /// A stack whose API has no users: the todo stack's operations on unscoped paths.
    static let anonymous = StackTraffic(workload: "backend", operations: [
        TrafficOperation(name: "complete", method: "POST", path: "/api/tasks/${id}/complete", write: true),
        TrafficOperation(name: "create", method: "POST", path: "/api/tasks", headers: ["Idempotency-Key": "${idempotencyKey}"],
                         body: ["title": "t"], captures: ["id": "/id"], write: true),
        TrafficOperation(name: "get", method: "GET", path: "/api/tasks/${id}"),
        TrafficOperation(name: "list", method: "GET", path: "/api/tasks?limit=50"),
    ])

    @Test func capturedValuesStandInForTheirProducerUntilOneIsCaptured() {
        let captured = CapturedValues(traffic: Self.anonymous)
        #expect(captured.resolve(.get).operation == .create, "no task yet: get is sent as the create that captures ids")
        #expect(captured.resolve(.list).operation == .list)
        captured.remember(["id": "1"], variables: [:])
        captured.remember(["id": "2"], variables: [:])
        let first = captured.resolve(.get)
        let second = captured.resolve(.complete)
        #expect(first.operation == .get && first.variables == ["id": "1"])
        #expect(second.operation == .complete && second.variables == ["id": "2"])
    }

    /// An API scoped per user answers 404 to another user's id: a value goes back only to the user who captured it.
    @Test func withUsersEachRequestActsAsOneInTurnAndGetsOnlyItsOwnCapturedValues() {
        var traffic = TestStacks.todo.traffic
        traffic.auth = .jwt(JWTAuth(secret: "auth", key: "JWT_SECRET", users: JWTAuth.users(count: 2, prefix: "u-")))
        let captured = CapturedValues(traffic: traffic)
        let first = captured.resolve(.list)
        #expect(first.variables == ["user": "u-1"])
        #expect(captured.resolve(.list).variables == ["user": "u-2"])
        captured.remember(["id": "7"], variables: ["user": "u-1"])
        let mine = captured.resolve(.get)
        #expect(mine.operation == .get && mine.variables == ["user": "u-1", "id": "7"])
        let theirs = captured.resolve(.get)
        #expect(theirs.operation == .create && theirs.variables == ["user": "u-2"], "u-2 has captured nothing: it creates first")
    }

    /// Each operation takes the users in turn, whatever the mix's pattern: by request number, a 1:3 mix with
    /// four users made every `create` act as the same user.
    @Test func everyOperationSpreadsOverEveryUser() {
        var traffic = TestStacks.todo.traffic
        traffic.auth = .jwt(JWTAuth(secret: "auth", key: "JWT_SECRET", users: JWTAuth.users(count: 4, prefix: "u-")))
        let captured = CapturedValues(traffic: traffic)
        var picker = OperationPicker(mix: [.create: 1, .list: 3])
        var creators: [String: Int] = [:]
        for _ in 0..<40 {
            let (operation, variables) = captured.resolve(picker.next())
            if operation == .create { creators[variables["user"] ?? "", default: 0] += 1 }
        }
        #expect(creators == ["u-1": 3, "u-2": 3, "u-3": 2, "u-4": 2])
    }

    /// Every 2xx answer is checked: one carrying another user's data fails as `.foreign`, naming the owner.
    @Test func anAnswerCarryingAnotherUsersDataIsAFailureNamingTheOwner() async {
        let traffic = StackTraffic(workload: "api", operations: [TrafficOperation(name: "mine", method: "GET", path: "/api/${user}/items")],
                                   auth: .jwt(JWTAuth(secret: "auth", key: "K", users: ["a", "b"])), ownerPointers: ["/user_id", "/items/*/user_id"])
        let bodies = [
            "/api/a/items": #"{"items": [{"id": 1, "user_id": "a"}, {"id": 2, "user_id": "a"}]}"#,
            "/api/b/items": #"{"items": [{"id": 3, "user_id": "b"}, {"id": 1, "user_id": "a"}]}"#,
        ]
        let transport = HTTPLoadTransport(baseURL: "http://h", traffic: traffic, headers: ResponseHeaders(), http: ScriptedHTTP { request in
            let path = String(request.url.dropFirst("http://h".count))
            return HTTPResponse(status: 200, body: Data((bodies[path] ?? "{}").utf8))
        })
        let own = await transport.send(LoadRequest(sequence: 0, operation: "mine", variables: ["user": "a"], timeout: 1))
        #expect(own.outcome == .status(200))
        let leaked = await transport.send(LoadRequest(sequence: 1, operation: "mine", variables: ["user": "b"], timeout: 1))
        #expect(leaked.outcome == .foreign(status: 200, owner: "a"))
        #expect(!leaked.outcome.isSuccess && leaked.outcome.label == "another user's data")
        #expect(JSONPointer.values("/items/*/id", in: try! JSONValue.parse(Data(bodies["/api/b/items"]!.utf8))).count == 2)
        #expect(JSONPointer.values("/items/9/id", in: .object([:])).isEmpty)
    }

    @Test func aLoadActsAsTheFirstOfTheStacksUsersItAsksFor() {
        #expect(LoadSpec(rate: .fixed(1), users: 1).traffic(of: TestStacks.todo.traffic).auth?.users == ["labrun-user-1"])
        #expect(LoadSpec(rate: .fixed(1)).traffic(of: TestStacks.todo.traffic).auth?.users.count == 8)
    }

    @Test func withUsersEachRequestCarriesItsUsersTokenAndPath() throws {
        let traffic = StackTraffic(workload: "api", operations: [TrafficOperation(name: "mine", method: "GET", path: "/api/${user}/items")],
                                   auth: .jwt(JWTAuth(secret: "auth", key: "K", users: ["a", "b"])))
        let transport = HTTPLoadTransport(baseURL: "http://h", traffic: traffic, headers: ResponseHeaders(),
                                          http: ScriptedHTTP { _ in HTTPResponse(status: 200) })
        transport.credentials = RequestCredentials(users: [("a", "Bearer ta"), ("b", "Bearer tb")])
        let asB = try #require(transport.httpRequest(for: LoadRequest(sequence: 1, operation: "mine", variables: ["user": "b"], timeout: 1)))
        #expect(asB.url == "http://h/api/b/items" && asB.headers["Authorization"] == "Bearer tb")
        let asA = try #require(transport.httpRequest(for: LoadRequest(sequence: 2, operation: "mine", variables: ["user": "a"], timeout: 1)))
        #expect(asA.url == "http://h/api/a/items" && asA.headers["Authorization"] == "Bearer ta")
    }

    @Test func answersCarryPodVersionAndTheNewTaskID() async {
        let http = ScriptedHTTP { request in
            var headers = HTTPHeaders()
            headers.add("X-Served-By", "backend-abc")
            headers.add("X-App-Version", "v2")
            return HTTPResponse(status: 201, headers: headers, body: Data(#"{"id": 42, "title": "t"}"#.utf8))
        }
        let transport = HTTPLoadTransport(baseURL: "http://h", traffic: TestStacks.todo.traffic, headers: TestStacks.todo.headers, http: http)
        let response = await transport.send(LoadRequest(sequence: 0, operation: .create, idempotencyKey: "k", timeout: 1))
        #expect(response.outcome == .status(201))
        #expect(response.servedBy == "backend-abc" && response.version == "v2" && response.captured == ["id": "42"])
    }

    @Test func aGuardedTransportDoesNotSendWhenTheTargetLeftThisHost() async {
        let http = ScriptedHTTP { _ in HTTPResponse(status: 200) }
        let transport = HTTPLoadTransport(baseURL: "http://10.250.0.1:30000", traffic: TestStacks.todo.traffic, headers: TestStacks.todo.headers, http: http)
        transport.sendGuard = { "not sent: 10.250.0.1 is not on this host" }
        let answer = await transport.send(LoadRequest(sequence: 0, operation: .list, timeout: 1))
        #expect(answer.outcome == .connection("not sent: 10.250.0.1 is not on this host"))
        #expect(http.lock.withLock { http.sent.isEmpty })
    }

    @Test func failuresBecomeOutcomesNeverErrors() async {
        let timeout = HTTPLoadTransport(baseURL: "http://h", traffic: TestStacks.todo.traffic, headers: TestStacks.todo.headers, http: ScriptedHTTP { _ in
            throw LabrunError(id: "HTTP_TIMEOUT", message: "took too long")
        })
        #expect(await timeout.send(LoadRequest(sequence: 0, operation: .list, timeout: 1)).outcome == .timeout)
        let refused = HTTPLoadTransport(baseURL: "http://h", traffic: TestStacks.todo.traffic, headers: TestStacks.todo.headers, http: ScriptedHTTP { _ in
            throw LabrunError(id: "HTTP_CONNECT", message: "refused")
        })
        #expect(await refused.send(LoadRequest(sequence: 0, operation: .list, timeout: 1)).outcome == .connection("refused or unreachable"))
        let unavailable = HTTPLoadTransport(baseURL: "http://h", traffic: TestStacks.todo.traffic, headers: TestStacks.todo.headers, http: ScriptedHTTP { _ in HTTPResponse(status: 503) })
        let answer = await unavailable.send(LoadRequest(sequence: 0, operation: .create, idempotencyKey: "k", timeout: 1))
        #expect(answer.outcome == .status(503) && answer.captured.isEmpty)
    }
}

/// The transport on the epoll engine against a scripted server on 127.0.0.1, and its prepared requests.
@Suite struct HTTPLoadTransportEngineTests {
    /// Counts what the transport asks of its client.
    final class PreparingHTTP: HTTPSending, @unchecked Sendable {
        let lock = NSLock()
        var prepared: [HTTPRequest] = []
        var startedPrepared = 0
        var started: [HTTPRequest] = []
        func send(_ request: HTTPRequest) async throws -> HTTPResponse { HTTPResponse(status: 200) }
        func start(_ request: HTTPRequest, completion: @escaping @Sendable (Result<HTTPResponse, any Error>) -> Void) {
            lock.withLock { started.append(request) }
            completion(.success(HTTPResponse(status: 200)))
        }
        func stream(_ request: HTTPRequest) async throws -> HTTPStream { throw LabrunError(id: "UNUSED", message: "not used") }
        func prepare(_ request: HTTPRequest) throws -> PreparedHTTPRequest {
            lock.withLock { prepared.append(request) }
            return PreparedHTTPRequest(request)
        }
        func start(prepared: PreparedHTTPRequest, completion: @escaping @Sendable (Result<HTTPResponse, any Error>) -> Void) {
            lock.withLock { startedPrepared += 1 }
            completion(.success(HTTPResponse(status: 200)))
        }
    }

    @Test func anOperationWithoutPlaceholdersIsPreparedOnce() async {
        let http = PreparingHTTP()
        let transport = HTTPLoadTransport(baseURL: "http://h", traffic: HTTPLoadTransportTests.anonymous, headers: TestStacks.todo.headers, http: http)
        for sequence in 0..<3 { _ = await transport.send(LoadRequest(sequence: sequence, operation: .list, timeout: 5)) }
        #expect(http.prepared.count == 1 && http.startedPrepared == 3)
        #expect(http.prepared.first?.url == "http://h/api/tasks?limit=50")
        // What the request carries besides its template is part of the key.
        transport.credentials = RequestCredentials(shared: "Bearer t")
        _ = await transport.send(LoadRequest(sequence: 3, operation: .list, timeout: 5))
        _ = await transport.send(LoadRequest(sequence: 4, operation: .list, timeout: 7))
        #expect(http.prepared.count == 3 && http.prepared[1].headers["Authorization"] == "Bearer t" && http.prepared[2].timeout == 7)
        // A template with a placeholder is built for each request.
        _ = await transport.send(LoadRequest(sequence: 5, operation: .get, variables: ["id": "9"], timeout: 5))
        #expect(http.started.map(\.url) == ["http://h/api/tasks/9"])
    }

    @Test func onTheEpollEngineTheScheduleRunsOnItsLoop() async throws {
        let server = try ScriptedTCPServer { connection in
            while connection.readRequest() != nil {
                connection.write("HTTP/1.1 200 OK\r\nContent-Length: 2\r\nX-Served-By: pod-a\r\n\r\nok")
            }
        }
        defer { server.stop() }
        let traffic = StackTraffic(workload: "web", operations: [TrafficOperation(name: "get", method: "GET", path: "/")])
        let transport = try HTTPLoadTransport(baseURL: server.url, traffic: traffic, headers: ResponseHeaders(servedBy: "X-Served-By"),
                                              maxConnections: 4, reuseConnections: true)
        let ran = await transport.run(schedule: { () -> Double? in nil })
        #expect(ran, "the epoll engine runs schedules")
        let fake = HTTPLoadTransport(baseURL: server.url, traffic: traffic, headers: ResponseHeaders(), http: PreparingHTTP())
        let fakeRan = await fake.run(schedule: { () -> Double? in nil })
        #expect(!fakeRan, "a client without a loop of its own does not")

        let clock = SystemClock()
        let spec = LoadSpec(rate: .fixed(200), mix: ["get": 1], requestTimeout: .seconds(5), maxInFlight: 64)
        let runner = LoadRunner(spec: spec, traffic: traffic, rate: 200, keyPrefix: "t", clock: clock, transport: transport)
        let start = clock.now() + 0.05
        let records = try await runner.records(start: start, control: LoadControl(stopAt: start + 0.5))
        #expect(records.map(\.sequence) == Array(0..<100))
        #expect(records.allSatisfy { $0.succeeded && $0.servedBy == "pod-a" && $0.start >= $0.intended && $0.end >= $0.start })
        #expect(server.accepted <= 8, "the transport's pool holds at least 8 connections, at most max(8, maxConnections)")
    }
}
