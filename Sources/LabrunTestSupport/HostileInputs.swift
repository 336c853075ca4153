import Foundation

/// Hostile scenario and stack files too big to commit, made on demand: the large cases of the
/// hostile corpus (`Tests/ScenarioEngineTests/HostileCases.swift`) and of `labrun-bench hostile`,
/// which times the worst of them. Each is a few lines of YAML stretched by one parameter.
public enum HostileInputs {
    /// A valid scenario named `name` for the todo stack, with `metadata` lines (indented by two) and
    /// `body` (top-level sections) as given; `steps` is one wait unless `body` has its own.
    public static func scenario(_ name: String, metadata: String = "", body: String? = nil,
                                description: String = "Hostile fixture.") -> String {
        "apiVersion: labrun.dev/v1alpha1\nkind: Scenario\nmetadata:\n  name: \(name)\n  description: \(description)\n"
            + metadata + (body ?? "steps:\n  - name: a\n    action:\n      wait: 1s\n")
    }

    /// A valid stack file named `name` (one prebuilt image, plain manifests, one request), with `extra` appended.
    public static func stack(_ name: String = "hostile", description: String = "Hostile fixture.", extra: String = "") -> String {
        "apiVersion: labrun.dev/v1alpha1\nkind: Stack\nmetadata:\n  name: \(name)\n  description: \(description)\n"
            + "deploy:\n  kustomize: manifests\nworkloads:\n  web:\n    kind: Deployment\n    role: api\n"
            + "    service: {name: web, port: 80}\ntraffic:\n  operations:\n    home:\n      path: /\n" + extra
    }

    /// `text` padded with a comment line to exactly `bytes` bytes (`text` must be shorter).
    public static func padded(_ text: String, to bytes: Int) -> String {
        let room = bytes - text.utf8.count - 3
        precondition(room >= 0, "padded: \(text.utf8.count) bytes do not fit in \(bytes)")
        return text + "#" + String(repeating: "x", count: room) + "\n\n"
    }

    /// Lists nested `levels` deep in flow style, as the value of the scenario's steps: `[[[…]]]`.
    public static func nestedLists(_ name: String, levels: Int) -> String {
        scenario(name, body: "steps: " + String(repeating: "[", count: levels) + String(repeating: "]", count: levels) + "\n")
    }

    /// Mappings nested `levels` deep in block style under a request body (where any JSON is allowed).
    public static func nestedMappings(_ name: String, levels: Int) -> String {
        var body = "steps:\n  - name: a\n    action:\n      http:\n        method: POST\n        path: /api/tasks\n        body:\n"
        for level in 0..<levels { body += String(repeating: "  ", count: 5 + level) + "k:\n" }
        body += String(repeating: "  ", count: 5 + levels) + "v\n"
        return scenario(name, body: body)
    }

    /// One flow list of `count` small integers as a request body: `count` values in about 2 bytes each.
    public static func manyValues(_ name: String, count: Int) -> String {
        let items = [String](repeating: "1", count: count).joined(separator: ",")
        return scenario(name, body: "steps:\n  - name: a\n    action:\n      http:\n        method: POST\n        path: /api/tasks\n"
                        + "        body: [\(items)]\n")
    }

    /// `count` unknown keys in `metadata`, one error each.
    public static func manyUnknownKeys(_ name: String, count: Int) -> String {
        scenario(name, metadata: (0..<count).map { "  unknown\($0): 1\n" }.joined())
    }

    /// `steps` steps and as many `recoveryTime` assertions, each naming a step: the steps' own names
    /// when `known`, else names no step has.
    public static func manyStepReferences(_ name: String, steps: Int, known: Bool) -> String {
        var body = "steps:\n"
        for index in 0..<steps { body += "  - name: step-\(index)\n    action:\n      wait: 1ms\n" }
        body += "assertions:\n"
        for index in 0..<steps {
            body += "  - recoveryTime: {what: replicasReady, workload: backend, after: \(known ? "step-\(index)" : "missing-\(index)"), within: 1s}\n"
        }
        return scenario(name, metadata: "  timeout: 168h\n", body: body)
    }

    /// A scenario whose name (or else description) is a token of `length` letters.
    public static func longToken(_ name: String, inName: Bool, length: Int) -> String {
        let token = String(repeating: "a", count: length)
        return inName ? scenario(token) : scenario(name, description: token)
    }

    /// A step reference of `length` letters that names no step (measured against every step name for a suggestion).
    public static func longStepReference(_ name: String, length: Int) -> String {
        scenario(name, body: "steps:\n  - name: a\n    action:\n      wait: 1s\nassertions:\n"
                 + "  - recoveryTime: {what: replicasReady, workload: backend, after: \(String(repeating: "a", count: length)), within: 1s}\n")
    }

    /// A "billion laughs": `levels` anchors of ten aliases each to the one before (10^levels strings once expanded).
    public static func aliasBomb(_ name: String, levels: Int) -> String {
        var labels = "  labels:\n    l0: &l0 [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]\n"
        for level in 1..<levels {
            labels += "    l\(level): &l\(level) [" + [String](repeating: "*l\(level - 1)", count: 10).joined(separator: ", ") + "]\n"
        }
        return scenario(name, metadata: labels)
    }

    /// The worst inputs by time or memory, by name, for `labrun-bench hostile`: each is a scenario
    /// named `hostile` (to be loaded from `hostile.yaml`) that the loader refuses, or, at a limit, accepts.
    public static let worstCases: [(name: String, make: @Sendable () -> String)] = [
        ("file of 1 MiB, valid (a long comment)", { padded(scenario("hostile"), to: 1 << 20) }),
        ("file of 1 MiB + 1 byte", { padded(scenario("hostile"), to: (1 << 20) + 1) }),
        ("99,900 values in a body (under the node limit)", { manyValues("hostile", count: 99_900) }),
        ("100,000 values in a body (past the node limit)", { manyValues("hostile", count: 100_000) }),
        ("nesting 300,000 deep", { nestedLists("hostile", levels: 300_000) }),
        ("nesting 64 deep (the limit) in a body", { nestedMappings("hostile", levels: 58) }),
        ("20,000 unknown keys", { manyUnknownKeys("hostile", count: 20_000) }),
        ("5,000 steps and 5,000 references", { manyStepReferences("hostile", steps: 5_000, known: true) }),
        ("5,000 steps and 5,000 unknown references", { manyStepReferences("hostile", steps: 5_000, known: false) }),
        ("a 1 MiB token in a name", { longToken("hostile", inName: true, length: (1 << 20) - 200) }),
        ("a 60 KiB token in a name (under the value limit)", { longToken("hostile", inName: true, length: 60 << 10) }),
        ("a 60 KiB unknown step reference", { longStepReference("hostile", length: 60 << 10) }),
        ("alias bomb, 10^9 strings", { aliasBomb("hostile", levels: 10) }),
    ]
}
