import Foundation

/// Whether the process that owns a namespace still runs on this host.
public protocol OwnerLiveness: Sendable {
    /// True when a process with `pid` runs and (when `startTime` is known) started at that time.
    func isAlive(pid: Int32, startTime: String?, host: String?) -> Bool
}

/// The real check, from `/proc`: a pid whose start time differs is another process that reused the number.
public struct ProcessLiveness: OwnerLiveness {
    public init() {}

    public func isAlive(pid: Int32, startTime: String?, host: String?) -> Bool {
        // A namespace owned by a process on another machine is not ours to judge: treat it as alive.
        if let host, !host.isEmpty, host != ProcessInfo.processInfo.hostName { return true }
        guard let current = Self.startTime(of: pid) else { return false }
        guard let startTime, !startTime.isEmpty else { return true }
        return current == startTime
    }

    /// Field 22 of `/proc/<pid>/stat` (start time in clock ticks since boot), or nil when no such process.
    public static func startTime(of pid: Int32) -> String? {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
              let close = stat.lastIndex(of: ")") else { return nil }
        let fields = stat[stat.index(after: close)...].split(separator: " ")
        // After ")": state is field 3, so start time (field 22) is at index 19.
        guard fields.count > 19 else { return nil }
        let state = fields[0]
        if state == "Z" || state == "X" { return nil }
        return String(fields[19])
    }
}
