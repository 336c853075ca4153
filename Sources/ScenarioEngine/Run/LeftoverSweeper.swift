import Foundation
import ScenarioModel

/// Finds the namespaces of interrupted runs: labelled `labrun.dev/run`, whose owner process is gone.
///
/// Pure: the driver lists namespaces and deletes what this returns, so the rule is unit-tested.
public struct LeftoverSweeper: Sendable {
    /// What the sweeper needs to know of a namespace.
    public struct Candidate: Sendable, Hashable {
        public var name: String
        public var labels: [String: String]
        public var annotations: [String: String]
        /// `Terminating` namespaces are already going.
        public var terminating: Bool

        public init(name: String, labels: [String: String], annotations: [String: String], terminating: Bool = false) {
            self.name = name
            self.labels = labels
            self.annotations = annotations
            self.terminating = terminating
        }
    }

    public var liveness: any OwnerLiveness

    public init(liveness: any OwnerLiveness = ProcessLiveness()) { self.liveness = liveness }

    /// The leftovers among `namespaces`, with the reason each is one.
    public func leftovers(_ namespaces: [Candidate]) -> [(name: String, reason: String)] {
        namespaces.compactMap { candidate in
            guard let run = candidate.labels[RunIdentity.runLabel], candidate.name.hasPrefix("labrun-"),
                  !candidate.terminating else { return nil }
            guard let pidText = candidate.annotations[RunIdentity.ownerPIDAnnotation], let pid = Int32(pidText) else {
                return (candidate.name, "run \(run) recorded no owner process")
            }
            let alive = liveness.isAlive(pid: pid, startTime: candidate.annotations[RunIdentity.ownerStartAnnotation],
                                         host: candidate.annotations[RunIdentity.ownerHostAnnotation])
            return alive ? nil : (candidate.name, "run \(run)'s process \(pid) is gone (interrupted run)")
        }
    }
}
