import LabrunCore
import StackModel
import Testing

/// `${name}` placeholders of the stack's request templates, and the variables an operation uses.
@Suite struct PlaceholdersTests {
    @Test func namesAreFoundInOrder() {
        #expect(Placeholders.names(in: "/api/tasks/${id}/items/${item}") == ["id", "item"])
        #expect(Placeholders.names(in: "${a}${b}${a}") == ["a", "b", "a"])
        #expect(Placeholders.names(in: "no placeholders, $1 and $ {x} are literal") == [])
        #expect(Placeholders.names(in: "$${x}") == ["x"])
        #expect(Placeholders.names(in: "${}") == [""])
    }

    @Test func anUnclosedPlaceholderEndsTheSearch() {
        #expect(Placeholders.names(in: "/a/${id") == [])
        #expect(Placeholders.names(in: "${a}/${b") == ["a"])
        // The first } closes: a nested ${ becomes part of the name (the parser refuses such names).
        #expect(Placeholders.names(in: "${a${b}}") == ["a${b"])
    }

    @Test func substituteReplacesKnownNamesAndKeepsTheRest() {
        let values = ["id": "42", "idempotencyKey": "run-7-1"]
        #expect(Placeholders.substitute("/api/tasks/${id}/complete", values) == "/api/tasks/42/complete")
        #expect(Placeholders.substitute("${idempotencyKey}:${id}:${id}", values) == "run-7-1:42:42")
        #expect(Placeholders.substitute("/x/${unknown}/${id}", values) == "/x/${unknown}/42")
        #expect(Placeholders.substitute("/x/${id", values) == "/x/${id")
        #expect(Placeholders.substitute("${id}/${id", values) == "42/${id")
        #expect(Placeholders.substitute("plain $1 text", values) == "plain $1 text")
        #expect(Placeholders.substitute("", values) == "")
        #expect(Placeholders.substitute("${id}", ["id": "${x}", "x": "again"]) == "${x}")
    }

    @Test func anOperationsVariablesComeFromItsPathHeadersAndBody() {
        let operation = TrafficOperation(
            name: "create", method: "POST", path: "/api/${tenant}/tasks",
            headers: ["Idempotency-Key": "${idempotencyKey}", "X-${header}": "v"],
            body: .object(["title": .string("task ${sequence}"), "${key}": .array([.string("${item}"), .number(1)])]),
            captures: ["id": "/id"])
        #expect(operation.variables == ["header", "idempotencyKey", "item", "key", "sequence", "tenant"])
        #expect(operation.needs == ["header", "item", "key", "tenant"])
        #expect(operation.usesIdempotencyKey)
        #expect(!TrafficOperation(name: "list", method: "GET", path: "/api/tasks?page=${sequence}").usesIdempotencyKey)
    }
}
