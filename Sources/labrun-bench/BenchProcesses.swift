import Foundation
import LabrunCore

/// A reference tool run as a child, with its own CPU time and peak resident memory (from `wait4`, which
/// `ProcessRunner` does not report) — the figures the load benchmark prints beside labrun's.
struct MeasuredChild {
    var output: String
    var status: Int32
    var cpuSeconds: Double
    var peakMiB: Double

    /// Runs `argv` (an absolute path first) to its end, stdout and stderr together.
    static func run(_ argv: [String]) throws -> MeasuredChild {
        var fds: [Int32] = [0, 0]
        guard pipe(&fds) == 0 else { throw failure(argv, "pipe: \(String(cString: strerror(errno)))") }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_adddup2(&actions, fds[1], 1)
        posix_spawn_file_actions_adddup2(&actions, fds[1], 2)
        posix_spawn_file_actions_addclose(&actions, fds[0])
        let pid = try spawn(argv, actions: &actions)
        close(fds[1])
        var output = Data()
        var chunk = [UInt8](repeating: 0, count: 16_384)
        while true {
            let count = read(fds[0], &chunk, chunk.count)
            if count > 0 { output.append(contentsOf: chunk[0..<count]) } else if count == 0 || errno != EINTR { break }
        }
        close(fds[0])
        var status: Int32 = 0
        var usage = rusage()
        while wait4(pid, &status, 0, &usage) < 0 && errno == EINTR {}
        let cpu = Double(usage.ru_utime.tv_sec) + Double(usage.ru_utime.tv_usec) / 1e6
            + Double(usage.ru_stime.tv_sec) + Double(usage.ru_stime.tv_usec) / 1e6
        return MeasuredChild(output: String(decoding: output, as: UTF8.self), status: status, cpuSeconds: cpu,
                             peakMiB: Double(usage.ru_maxrss) / 1024)
    }

    /// Starts `argv` with the given file actions; returns its pid.
    static func spawn(_ argv: [String], actions: inout posix_spawn_file_actions_t) throws -> pid_t {
        var arguments: [UnsafeMutablePointer<CChar>?] = argv.map { strdup($0) } + [nil]
        defer { arguments.forEach { free($0) } }
        var pid: pid_t = 0
        let code = posix_spawn(&pid, argv[0], &actions, nil, &arguments, environ)
        guard code == 0 else { throw failure(argv, String(cString: strerror(code))) }
        return pid
    }

    static func failure(_ argv: [String], _ reason: String) -> LabrunError {
        LabrunError(id: ErrorID.benchFailed, exitCode: ExitCode.external,
                    message: "Could not run \(argv.joined(separator: " ")): \(reason).")
    }
}

/// Debian's nginx on 127.0.0.1 at a free high port, with a throwaway configuration in a temporary
/// directory: one worker (a server of fixed capacity for all three tools), a fixed 200 answer, no
/// access log. `stop()` ends it and removes the directory.
final class ThrowawayNginx {
    let url: String
    private let pid: pid_t
    private let directory: String
    private var stopped = false

    init(binary: String) throws {
        guard let path = SystemProcessRunner().which(binary) else {
            throw LabrunError(id: ErrorID.commandNotRun, exitCode: ExitCode.unavailable,
                              message: "\(binary) is not installed, and no --url was given to load instead.",
                              advice: "Install Debian's nginx (`apt-get install nginx-light`), or pass --url of an HTTP server of your own on this machine.")
        }
        let port = try Self.freePort()
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("labrun-bench-nginx-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let config = """
            worker_processes 1;
            daemon off;
            pid \(directory)/nginx.pid;
            events { worker_connections 4096; }
            http {
                access_log off;
                keepalive_requests 1000000;
                client_body_temp_path \(directory)/body;
                proxy_temp_path \(directory)/proxy;
                fastcgi_temp_path \(directory)/fastcgi;
                uwsgi_temp_path \(directory)/uwsgi;
                scgi_temp_path \(directory)/scgi;
                server {
                    listen 127.0.0.1:\(port);
                    location / { return 200 "ok\\n"; }
                }
            }
            """
        try config.write(toFile: directory + "/nginx.conf", atomically: true, encoding: .utf8)
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 1, directory + "/output.log", O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        posix_spawn_file_actions_adddup2(&actions, 1, 2)
        pid = try MeasuredChild.spawn([path, "-p", directory, "-c", directory + "/nginx.conf", "-e", directory + "/error.log"],
                                      actions: &actions)
        url = "http://127.0.0.1:\(port)/"
        // Ready when it accepts a connection (within 5 s).
        for _ in 0..<100 {
            if Self.accepts(port: port) { return }
            usleep(50_000)
        }
        stop()
        throw LabrunError(id: ErrorID.benchFailed, exitCode: ExitCode.external,
                          message: "nginx did not listen on 127.0.0.1:\(port) within 5 s.",
                          advice: "Run it by hand to see why: \(path) -p \(directory) -c \(directory)/nginx.conf")
    }

    deinit { stop() }

    /// Ends nginx (SIGQUIT: its workers finish, then exit), waits for it, removes its directory.
    func stop() {
        guard !stopped else { return }
        stopped = true
        kill(pid, SIGQUIT)
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        try? FileManager.default.removeItem(atPath: directory)
    }

    /// A TCP port on 127.0.0.1 nothing listens on (the kernel's choice).
    static func freePort() throws -> Int {
        let fd = socket(AF_INET, Platform.streamSocket, 0)
        defer { close(fd) }
        var address = sockaddr_in(sin_family: sa_family_t(AF_INET), sin_port: 0, sin_addr: in_addr(s_addr: inet_addr("127.0.0.1")),
                                  sin_zero: (0, 0, 0, 0, 0, 0, 0, 0))
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(fd, $0, length) == 0 && getsockname(fd, $0, &length) == 0
            }
        }
        guard bound else {
            throw LabrunError(id: ErrorID.benchFailed, message: "No free port on 127.0.0.1: \(String(cString: strerror(errno))).")
        }
        return Int(UInt16(bigEndian: address.sin_port))
    }

    static func accepts(port: Int) -> Bool {
        let fd = socket(AF_INET, Platform.streamSocket, 0)
        defer { close(fd) }
        var address = sockaddr_in(sin_family: sa_family_t(AF_INET), sin_port: in_port_t(UInt16(port).bigEndian),
                                  sin_addr: in_addr(s_addr: inet_addr("127.0.0.1")), sin_zero: (0, 0, 0, 0, 0, 0, 0, 0))
        return withUnsafePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0
            }
        }
    }
}
