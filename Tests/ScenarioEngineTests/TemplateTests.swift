import Testing
@testable import ScenarioEngine
@testable import ScenarioModel

@Suite struct TemplateTests {
    @Test func repetitionNumbersReplaceThePlaceholderEverywhere() {
        let request = HTTPRequestSpec(method: "POST", path: "/api/tasks?n={{i}}", headers: ["Idempotency-Key": "persist-{{i}}"],
                                      body: .object(["title": .string("task {{i}}"), "tags": .array([.string("{{i}}"), .number(3)])]))
        let third = request.substituting(repetition: 3)
        #expect(third.path == "/api/tasks?n=3")
        #expect(third.headers == ["Idempotency-Key": "persist-3"])
        #expect(third.body == .object(["title": .string("task 3"), "tags": .array([.string("3"), .number(3)])]))
        #expect(third.method == "POST")
    }

    @Test func checksSubstituteTheirExpectationsToo() {
        let check = HTTPCheck(request: HTTPRequestSpec(path: "/x/{{i}}"),
                              expect: HTTPExpectation(status: [201], headers: ["X-Key": "k-{{i}}"], json: .object(["title": .string("t {{i}}")])))
        let second = check.substituting(repetition: 2)
        #expect(second.request.path == "/x/2")
        #expect(second.expect.json == .object(["title": .string("t 2")]))
        #expect(second.expect.headers == ["X-Key": "k-2"])
        #expect(second.expect.status == [201])
    }
}
