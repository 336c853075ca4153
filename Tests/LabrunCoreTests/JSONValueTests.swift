import Foundation
import LabrunCore
import Testing

/// labrun's one JSON type: what the clients, the manifests and the scenario engine all rely on.
@Suite struct JSONValueTests {
    @Test func roundTripsWholeNumbersWithoutFractions() throws {
        let value: JSONValue = ["replicas": 3, "ratio": 0.25, "name": "x", "on": true, "none": nil, "list": [1, "two"]]
        #expect(value.jsonString == #"{"list":[1,"two"],"name":"x","none":null,"on":true,"ratio":0.25,"replicas":3}"#)
        #expect(try JSONValue.parse(value.jsonString) == value)
    }

    @Test func numbersAreNumbersWhetherWrittenWithAFractionOrNot() throws {
        #expect(JSONValue.number(3) == JSONValue.number(3.0))
        #expect(try JSONValue.parse("3.0") == .number(3))
        #expect(JSONValue.number(3.0).jsonString == "3")
        #expect(JSONValue.number(3.0).intValue == 3)
        #expect(JSONValue.number(2.5).intValue == nil)
        #expect(JSONValue.number(2.5).doubleValue == 2.5)
        #expect(JSONValue.string("3").doubleValue == nil)
    }

    @Test func describesItselfForPeople() {
        let value: JSONValue = .object(["b": .array([.number(1), .number(2.5), .bool(true), .null, .string("x\"y\n")]), "a": .object([:])])
        #expect(value.description == #"{"a": {}, "b": [1, 2.5, true, null, "x\"y\n"]}"#)
        #expect("\(JSONValue.number(-0.0))" == "0")
        #expect(JSONValue.string("tab\there").description == #""tab\there""#)
    }

    @Test func aMissingMemberIsNilAndAJSONNullIsNot() {
        let object: JSONValue = ["present": nil]
        #expect(object["present"] != nil)
        #expect(object["present"] == .null)
        #expect(object["absent"] == nil)
        #expect(JSONValue.string("x")["key"] == nil)
        var edited = object
        edited["present"] = nil
        #expect(edited == .object([:]))
    }

    @Test func followsDottedPaths() throws {
        let pod = try JSONValue.parse(#"{"status":{"conditions":[{"type":"Ready","status":"True"}]}}"#)
        #expect(pod.value(at: "status.conditions.0.type")?.stringValue == "Ready")
        #expect(pod.value(at: "status.conditions.1.type") == nil)
        #expect(pod["status"]?["conditions"]?[0]?["status"] == "True")
    }

    @Test func convertsTypedModelsBothWays() throws {
        struct Shape: Codable, Equatable { var replicas: Int; var name: String }
        let value = try JSONValue(encoding: Shape(replicas: 3, name: "backend"))
        #expect(value == ["replicas": 3, "name": "backend"])
        #expect(try value.decode(Shape.self) == Shape(replicas: 3, name: "backend"))
    }
}
