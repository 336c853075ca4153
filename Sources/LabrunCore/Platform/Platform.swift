#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation

/// The calls that differ between Linux and macOS, in one place: every other file stays portable
/// (a test fails on `Glibc`, `/proc` or `SOCK_STREAM` anywhere else).
///
/// Linux reads `/proc`; macOS asks `sysctl` and `ps`. The Darwin branches are compiled and unit-tested
/// by the macOS job of the GitHub workflow, not on the Linux machines labrun is developed on.
public enum Platform {
    /// `SOCK_STREAM` as `socket(2)` takes it (an enum on Glibc, a plain integer on Darwin).
    public static var streamSocket: Int32 {
        #if canImport(Glibc)
        Int32(SOCK_STREAM.rawValue)
        #else
        SOCK_STREAM
        #endif
    }

    /// Makes writes to socket `fd` fail with EPIPE instead of raising SIGPIPE when the peer is gone
    /// (Darwin: a socket option; Linux: `sendFlags` on every send).
    public static func suppressSigpipe(_ fd: Int32) {
        #if canImport(Darwin)
        var on: Int32 = 1
        _ = setsockopt(fd, SOL_SOCKET, SO_NOSIGPIPE, &on, socklen_t(MemoryLayout<Int32>.size))
        #endif
    }

    /// Flags for `send(2)` on a socket: no SIGPIPE when the peer is gone (see `suppressSigpipe`).
    public static var sendFlags: Int32 {
        #if canImport(Glibc)
        Int32(MSG_NOSIGNAL)
        #else
        0
        #endif
    }

    /// What labrun needs to know of a running process.
    public struct ProcessFacts: Sendable, Equatable {
        /// The process has exited and waits to be reaped.
        public var zombie: Bool
        /// When it started, in a form stable for its whole life (to tell a reused pid from its first owner).
        public var startTime: String
    }

    /// The facts of process `pid`, or nil when there is none.
    public static func process(_ pid: Int32) -> ProcessFacts? {
        guard pid > 0 else { return nil }
        #if os(Linux)
        // /proc/<pid>/stat: after the command in parentheses, field 3 is the state and field 22 the
        // start time in clock ticks since boot.
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
              let close = stat.lastIndex(of: ")") else { return nil }
        let fields = stat[stat.index(after: close)...].split(separator: " ")
        guard fields.count > 19 else { return nil }
        return ProcessFacts(zombie: fields[0] == "Z" || fields[0] == "X", startTime: String(fields[19]))
        #elseif canImport(Darwin)
        var info = kinfo_proc()
        var size = MemoryLayout<kinfo_proc>.stride
        var mib: [Int32] = [CTL_KERN, KERN_PROC, KERN_PROC_PID, pid]
        guard sysctl(&mib, u_int(mib.count), &info, &size, nil, 0) == 0, size > 0, info.kp_proc.p_pid == pid else { return nil }
        let start = info.kp_proc.p_starttime
        return ProcessFacts(zombie: Int32(info.kp_proc.p_stat) == SZOMB, startTime: "\(start.tv_sec).\(start.tv_usec)")
        #else
        return nil
        #endif
    }

    /// Where a Linux node's process `pid` sees its root filesystem, read from the node's host: the
    /// container's own files (`etc/resolv.conf` …) through its process. Only a Linux node has it; labrun
    /// reads it where the node is this host (the bare provider), through a command run there.
    public static func processRoot(_ pid: String) -> String { "/proc/\(pid)/root" }

    /// Where a Linux node lists the cgroups of its process `pid` (`4:memory:/kubepods/…`), read from
    /// the node's host, as `processRoot`.
    public static func processCgroups(_ pid: String) -> String { "/proc/\(pid)/cgroup" }

    /// Where a Linux process sets how the OOM killer ranks it, for itself (`self`): -1000 exempts it.
    public static let ownOOMScoreAdjustment = "/proc/self/oom_score_adj"

    /// The command line of process `pid` (arguments joined by spaces), or nil when there is none.
    public static func commandLine(_ pid: Int32) -> String? {
        guard pid > 0 else { return nil }
        #if os(Linux)
        guard let data = FileManager.default.contents(atPath: "/proc/\(pid)/cmdline"), !data.isEmpty else { return nil }
        return String(decoding: data.map { $0 == 0 ? 0x20 : $0 }, as: UTF8.self).trimmingCharacters(in: .whitespaces)
        #else
        let ps = Process()
        ps.executableURL = URL(fileURLWithPath: "/bin/ps")
        ps.arguments = ["-o", "command=", "-p", String(pid)]
        let pipe = Pipe()
        ps.standardOutput = pipe
        ps.standardError = FileHandle.nullDevice
        guard (try? ps.run()) != nil else { return nil }
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        ps.waitUntilExit()
        let line = String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        return ps.terminationStatus == 0 && !line.isEmpty ? line : nil
        #endif
    }

    /// Hands `path` to the user `name` (its uid and primary gid); false when there is no such user.
    public static func changeOwner(_ path: String, toUser name: String) throws -> Bool {
        guard let user = getpwnam(name) else { return false }
        guard chown(path, user.pointee.pw_uid, user.pointee.pw_gid) == 0 else {
            throw LabrunError(id: ErrorID.platformCall, message: "Could not hand \(path) to the user \(name) (errno \(errno)).")
        }
        return true
    }

    /// Resets this process's peak resident memory, so that a later peak is a measurement's own (Linux only;
    /// elsewhere the peak stays the process's).
    public static func resetPeakResidentMemory() {
        #if os(Linux)
        // Writing 5 to clear_refs resets VmHWM (Linux 4.0 and later).
        try? "5".write(toFile: "/proc/self/clear_refs", atomically: false, encoding: .utf8)
        #endif
    }

    /// This process's resident memory now (`current`) or at its peak, in MiB.
    public static func residentMemory(peak: Bool) -> Double? {
        #if os(Linux)
        guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) else { return nil }
        let field = peak ? "VmHWM:" : "VmRSS:"
        let line = status.split(separator: "\n").first { $0.hasPrefix(field) }
        let kib = line?.split(separator: " ", omittingEmptySubsequences: true).dropFirst().first.flatMap { Double($0) }
        return kib.map { $0 / 1024 }
        #else
        var usage = rusage()
        guard peak, getrusage(RUSAGE_SELF, &usage) == 0 else { return nil }
        return Double(usage.ru_maxrss) / 1024 / 1024   // bytes on Darwin
        #endif
    }
}
