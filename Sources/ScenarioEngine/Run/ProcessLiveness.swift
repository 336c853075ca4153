import Foundation
import LabrunCore
import ScenarioModel

/// Whether the process that owns a namespace still runs on this host.
public protocol OwnerLiveness: Sendable {
    /// True when a process with `pid` runs and (when `startTime` is known) started at that time.
    func isAlive(pid: Int32, startTime: String?, host: String?) -> Bool
}

/// The real check (`Platform.process`): a pid whose start time differs is another process that reused the number.
public struct ProcessLiveness: OwnerLiveness {
    public init() {}

    public func isAlive(pid: Int32, startTime: String?, host: String?) -> Bool {
        // A namespace owned by a process on another machine is not ours to judge: treat it as alive.
        if let host, !host.isEmpty, host != ProcessInfo.processInfo.hostName { return true }
        guard let current = Self.startTime(of: pid) else { return false }
        guard let startTime, !startTime.isEmpty else { return true }
        return current == startTime
    }

    /// When process `pid` started (stable for its life), or nil when there is no such live process.
    public static func startTime(of pid: Int32) -> String? {
        guard let facts = Platform.process(pid), !facts.zombie else { return nil }
        return facts.startTime
    }
}
