import LabrunCore
import Testing
@testable import ScenarioEngine
@testable import ScenarioModel

@Suite struct JSONPartialMatchTests {
    let deployment: JSONValue = .object([
        "metadata": .object(["name": .string("backend"), "labels": .object(["app.kubernetes.io/name": .string("todo")])]),
        "spec": .object(["replicas": .number(3)]),
        "status": .object(["readyReplicas": .number(2), "conditions": .array([.object(["type": .string("Available")])])]),
    ])

    @Test func aSubsetMatchesAndExtraKeysAreIgnored() {
        let expected: JSONValue = .object(["spec": .object(["replicas": .number(3.0)]), "metadata": .object(["name": .string("backend")])])
        #expect(JSONPartialMatch.matches(expected: expected, actual: deployment))
    }

    @Test func eachMismatchIsReportedWithItsPath() {
        let expected: JSONValue = .object([
            "status": .object(["readyReplicas": .number(3), "observedGeneration": .number(2)]),
            "metadata": .object(["labels": .object(["app.kubernetes.io/name": .string("other")])]),
        ])
        let found = JSONPartialMatch.mismatches(expected: expected, actual: deployment)
        #expect(found.map(\.description) == [
            #"$.metadata.labels["app.kubernetes.io/name"]: expected "other", got "todo""#,
            "$.status.observedGeneration: missing (expected 2)",
            "$.status.readyReplicas: expected 3, got 2",
        ])
        #expect(JSONPartialMatch.diff(found).prefix(3) == [
            #"at $.metadata.labels["app.kubernetes.io/name"]:"#, #"  - expected: "other""#, #"  + actual:   "todo""#,
        ])
    }

    @Test func arraysMatchElementByElementAndMustHaveTheSameLength() {
        let expected: JSONValue = .object(["status": .object(["conditions": .array([.object(["type": .string("Available")])])])])
        #expect(JSONPartialMatch.matches(expected: expected, actual: deployment))
        let two: JSONValue = .object(["status": .object(["conditions": .array([.object([:]), .object([:])])])])
        #expect(JSONPartialMatch.mismatches(expected: two, actual: deployment).map(\.description)
                == ["$.status.conditions: expected 2 element(s), got 1"])
    }

    @Test func typesMustAgree() {
        #expect(!JSONPartialMatch.matches(expected: .string("3"), actual: .number(3)))
        #expect(!JSONPartialMatch.matches(expected: .object([:]), actual: .array([])))
        #expect(JSONPartialMatch.matches(expected: .null, actual: .null))
    }
}

@Suite struct SQLComparisonTests {
    let result = SQLResultSet(columns: ["id", "title", "completed"], rows: [
        [.string("1"), .string("a"), .string("f")],
        [.string("2"), .string("b"), .string("t")],
    ])

    @Test func valuesCompareByMeaningNotWireFormat() {
        #expect(SQLComparison.valuesEqual(.number(1), .string("1")))
        #expect(SQLComparison.valuesEqual(.number(1.5), .string("1.50")))
        #expect(SQLComparison.valuesEqual(.bool(true), .string("t")))
        #expect(SQLComparison.valuesEqual(.bool(false), .string("false")))
        #expect(!SQLComparison.valuesEqual(.number(1), .string("one")))
        #expect(!SQLComparison.valuesEqual(.null, .string("")))
        #expect(SQLComparison.valuesEqual(.null, .null))
    }

    @Test func unorderedRowsMatchAsAMultisetOnTheNamedColumns() {
        let expect = SQLExpectation.rows([["title": .string("b"), "completed": .bool(true)], ["id": .number(1)]], ordered: false)
        #expect(SQLComparison.compare(expected: expect, actual: result) == nil)
    }

    @Test func missingAndUnexpectedRowsAreDiffed() {
        let expect = SQLExpectation.rows([["title": .string("a")], ["title": .string("c")]], ordered: false)
        let outcome = SQLComparison.compare(expected: expect, actual: result)
        #expect(outcome?.summary == "1 expected row(s) missing, 1 unexpected row(s) (expected 2, got 2)")
        #expect(outcome?.diff == [#"  - {title: "c"}"#, #"  + {completed: "t", id: "2", title: "b"}"#])
    }

    @Test func orderedRowsAreComparedPositionally() {
        let swapped = SQLExpectation.rows([["title": .string("b")], ["title": .string("a")]], ordered: true)
        let outcome = SQLComparison.compare(expected: swapped, actual: result)
        #expect(outcome?.summary == "2 row(s) differ (expected 2, got 2, in order)")
        #expect(outcome?.diff == [#"  - {title: "b"}"#, #"  + {title: "a"}"#, #"  - {title: "a"}"#, #"  + {title: "b"}"#])
        let inOrder = SQLExpectation.rows([["title": .string("a")], ["title": .string("b")]], ordered: true)
        #expect(SQLComparison.compare(expected: inOrder, actual: result) == nil)
    }

    @Test func aValueIsTheFirstColumnOfTheOnlyRow() {
        let count = SQLResultSet(columns: ["n", "other"], rows: [[.string("20"), .string("x")]])
        #expect(SQLComparison.compare(expected: .value(.number(20)), actual: count) == nil)
        #expect(SQLComparison.compare(expected: .value(.number(19)), actual: count)?.summary == #"expected 19, got "20""#)
        #expect(SQLComparison.compare(expected: .value(.number(1)), actual: result)?.summary == "expected one row with value 1, got 2 row(s)")
    }

    @Test func rowCountsCompare() {
        #expect(SQLComparison.compare(expected: .rowCount(2), actual: result) == nil)
        #expect(SQLComparison.compare(expected: .rowCount(3), actual: result)?.summary == "expected 3 row(s), got 2")
    }
}
