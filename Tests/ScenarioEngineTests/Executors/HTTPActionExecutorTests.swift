import Foundation
import HTTPClient
import LabrunCore
import LabrunTestSupport
import Testing
@testable import ScenarioEngine
@testable import ScenarioModel

@Suite("HTTPActionExecutor")
struct HTTPActionExecutorTests {
    /// A fixture whose Services answer every request with `status` and `body`.
    func fixture(_ status: Int, _ body: String = "{}") -> ExecutorFixture {
        ExecutorFixture(services: { _ in .json(status, body) })
    }

    @Test func repetitionsReplaceThePlaceholderAndAnExpectedStatusIsAccepted() async throws {
        let stack = fixture(201)
        let request = HTTPRequestSpec(method: "POST", path: "/api/tasks?n={{i}}", headers: ["X-N": "{{i}}"], body: ["title": "task {{i}}"])
        let outcome = try await stack.perform(.http(HTTPAction(request: request, expectStatus: [201], repeatCount: 3)))
        let sent = stack.services.requests
        #expect(sent.map(\.url) == (1...3).map { "http://127.0.0.1:8000/api/tasks?n=\($0)" })
        #expect(sent.allSatisfy { $0.method == .post && $0.headers["Content-Type"] == "application/json" })
        #expect(sent.map { $0.headers["X-N"] } == ["1", "2", "3"])
        #expect(try JSONValue.parse(sent[2].body ?? Data()) == ["title": "task 3"])
        #expect(outcome.message == "POST /api/tasks?n={{i}}: 3× 201")
    }

    @Test func theStacksCredentialsGoWithEveryRequestThatSetsNoneOfItsOwn() async throws {
        var stack = fixture(200)
        stack.credentials = RequestCredentials(shared: "Bearer t0k3n")
        _ = try await stack.perform(.http(HTTPAction(request: HTTPRequestSpec(path: "/me"))))
        _ = try await stack.perform(.http(HTTPAction(request: HTTPRequestSpec(path: "/me", headers: ["Authorization": "Bearer other"]))))
        #expect(stack.services.requests.map { $0.headers["Authorization"] } == ["Bearer t0k3n", "Bearer other"])
    }

    @Test func aPlaceholderIsReplacedInASingleRequestToo() async throws {
        let stack = fixture(200)
        _ = try await stack.perform(.http(HTTPAction(request: HTTPRequestSpec(path: "/api/tasks/{{i}}"))))
        #expect(stack.services.requests.map(\.url) == ["http://127.0.0.1:8000/api/tasks/1"])
    }

    @Test func anUnexpectedStatusStopsAtTheFirstRepetitionWithTheAnswer() async throws {
        let stack = fixture(500, "boom")
        let error = await #expect(throws: LabrunError.self) {
            try await stack.perform(.http(HTTPAction(request: HTTPRequestSpec(path: "/healthz"), repeatCount: 3)))
        }
        #expect(error?.id == ErrorID.httpUnexpectedStatus)
        #expect(error?.message == "GET /healthz (repetition 1) answered 500, expected 2xx: boom")
        #expect(stack.services.requests.count == 1)
        let listed = await #expect(throws: LabrunError.self) {
            try await fixture(200).perform(.http(HTTPAction(request: HTTPRequestSpec(path: "/"), expectStatus: [201, 204])))
        }
        #expect(listed?.message.hasSuffix("answered 200, expected 201 or 204: {}") == true)
    }

    @Test func aServiceTheHostDoesNotReachIsAnError() async throws {
        let stack = fixture(200)
        let unknown = await #expect(throws: LabrunError.self) {
            try await stack.perform(.http(HTTPAction(request: HTTPRequestSpec(path: "/", service: "postgres"))))
        }
        #expect(unknown?.id == ErrorID.httpUnknownService)
        var notSetUp = fixture(200)
        notSetUp.access = nil
        let unreachable = await #expect(throws: LabrunError.self) {
            try await notSetUp.perform(.http(HTTPAction(request: HTTPRequestSpec(path: "/"))))
        }
        #expect(unreachable?.id == ErrorID.stackNotReachable)
        #expect(stack.services.requests.isEmpty && notSetUp.services.requests.isEmpty)
    }

    @Test func onTheBareProviderTheLocalGuardRefusesANodeAddressNotOnThisHost() async throws {
        var stack = fixture(200)
        stack.provider = FakeProvider(kind: .bare, address: "203.0.113.77")
        let error = await #expect(throws: LabrunError.self) {
            try await stack.perform(.http(HTTPAction(request: HTTPRequestSpec(path: "/"))))
        }
        #expect(error?.id == ErrorID.httpConnect)
        #expect(error?.message.contains("203.0.113.77 is not on this host") == true)
        #expect(stack.services.requests.isEmpty)
    }
}
