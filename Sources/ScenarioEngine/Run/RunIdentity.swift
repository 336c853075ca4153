import Foundation
import ScenarioModel

/// Who a run is: its id, its namespace, and the owner process recorded on the namespace so a
/// later run can tell an abandoned namespace from one in use.
public struct RunIdentity: Sendable, Hashable {
    /// Label on every namespace a run creates: `labrun.dev/run=<id>`.
    public static let runLabel = "labrun.dev/run"
    public static let scenarioLabel = "labrun.dev/scenario"
    /// Annotations naming the owner process: pid, its start time (clock ticks since boot, so a reused
    /// pid is not mistaken for the owner) and host name.
    public static let ownerPIDAnnotation = "labrun.dev/owner-pid"
    public static let ownerStartAnnotation = "labrun.dev/owner-start"
    public static let ownerHostAnnotation = "labrun.dev/owner-host"

    public var id: String
    public var scenario: String
    public var namespace: String
    /// Whether the namespace was given (`setup.reuseNamespace` / options) rather than created for the run.
    public var reusedNamespace: Bool

    public init(id: String, scenario: String, namespace: String, reusedNamespace: Bool) {
        self.id = id
        self.scenario = scenario
        self.namespace = namespace
        self.reusedNamespace = reusedNamespace
    }

    /// A fresh identity: `labrun-<scenario>-<6 hex>`, trimmed to a valid namespace name (63 characters).
    public static func fresh(scenario: String, reuse: String? = nil, id: String? = nil) -> RunIdentity {
        let runID = id ?? String(UInt32.random(in: 0...UInt32.max) & 0xFFFFFF, radix: 16).leftPadded(to: 6)
        if let reuse { return RunIdentity(id: runID, scenario: scenario, namespace: reuse, reusedNamespace: true) }
        let suffix = "-" + runID
        let stem = String(("labrun-" + scenario).prefix(63 - suffix.count))
        let trimmed = stem.hasSuffix("-") ? String(stem.dropLast()) : stem
        return RunIdentity(id: runID, scenario: scenario, namespace: trimmed + suffix, reusedNamespace: false)
    }

    /// Labels of a run's namespace.
    public var labels: [String: String] {
        [Self.runLabel: id, Self.scenarioLabel: String(scenario.prefix(63)), "app.kubernetes.io/managed-by": "labrun"]
    }

    /// Annotations naming this process as the owner.
    public static func ownerAnnotations(pid: Int32 = getpid()) -> [String: String] {
        var out = [ownerPIDAnnotation: String(pid), ownerHostAnnotation: ProcessInfo.processInfo.hostName]
        if let start = ProcessLiveness.startTime(of: pid) { out[ownerStartAnnotation] = start }
        return out
    }
}

extension String {
    func leftPadded(to length: Int) -> String {
        count >= length ? self : String(repeating: "0", count: length - count) + self
    }
}
