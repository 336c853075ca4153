import Foundation
import LabrunCore
import PostgresClient
import Testing

/// A throwaway PostgreSQL server for integration tests: `initdb` and `pg_ctl` in a temporary
/// directory on a free port (as the `postgres` user when running as root), password
/// authentication over TCP, stopped and removed at the end.
final class PostgresTestServer: Sendable {
    static let binDirectory = ProcessInfo.processInfo.environment["LABRUN_PG_BIN"] ?? "/usr/lib/postgresql/15/bin"
    static var isRoot: Bool { geteuid() == 0 }

    /// Why the server cannot be started here, or nil when it can.
    static var unavailableReason: String? {
        if !FileManager.default.isExecutableFile(atPath: binDirectory + "/initdb") {
            return "PostgreSQL server binaries not found in \(binDirectory) (install postgresql-15, or set LABRUN_PG_BIN)"
        }
        if isRoot && getpwnam("postgres") == nil { return "running as root but there is no `postgres` user to run the server as" }
        if isRoot && !FileManager.default.isExecutableFile(atPath: "/usr/sbin/runuser") && !FileManager.default.isExecutableFile(atPath: "/sbin/runuser") {
            return "running as root but `runuser` is missing"
        }
        return nil
    }

    /// True when integration services are mandatory (CI).
    static var required: Bool { ProcessInfo.processInfo.environment["LABRUN_REQUIRE_INTEGRATION"] == "1" }

    /// Run the suite when the server can be had, or when it is required (then it fails loudly).
    static var shouldRun: Bool { unavailableReason == nil || required }

    static let skipComment: Comment = "PostgreSQL integration tests skipped: \(unavailableReason ?? "?")"

    let directory: String
    let port: Int
    let password: String
    let runner = SystemProcessRunner()

    var configuration: PostgresConfiguration {
        PostgresConfiguration(host: "127.0.0.1", port: port, user: "labrun", password: password,
                              database: "postgres", connectTimeout: 5, sslMode: "disable")
    }

    private init(directory: String, port: Int, password: String) {
        self.directory = directory
        self.port = port
        self.password = password
    }

    /// Starts a fresh server. Throws (naming the command and its output) when it cannot.
    static func start() async throws -> PostgresTestServer {
        if let reason = unavailableReason {
            throw LabrunError(id: "PG_TEST_SERVER", exitCode: ExitCode.unavailable,
                              message: "Cannot start a PostgreSQL test server: \(reason).")
        }
        let directory = try makeDirectory()
        let password = "pw-" + UUID().uuidString
        Redactor.shared.register(password)
        let server = PostgresTestServer(directory: directory, port: try freePort(), password: password)
        do {
            try password.write(toFile: directory + "/pwfile", atomically: true, encoding: .utf8)
            try server.chown(directory + "/pwfile")
            try await server.check(server.asServerUser(binDirectory + "/initdb", [
                "-D", directory + "/data", "-U", "labrun", "--pwfile=" + directory + "/pwfile",
                "--auth-host=scram-sha-256", "--auth-local=trust", "-E", "UTF8", "--no-instructions",
            ]), "initdb")
            try? FileManager.default.removeItem(atPath: directory + "/pwfile")
            try await server.pgctl(["start", "-w", "-t", "60", "-l", directory + "/server.log", "-o",
                                    "-p \(server.port) -k \(directory) -c listen_addresses=127.0.0.1 -c fsync=off"])
            return server
        } catch {
            await server.stop()
            throw error
        }
    }

    /// Restarts the server (same data, same port).
    func restart() async throws {
        try await pgctl(["restart", "-w", "-t", "60", "-m", "fast", "-l", directory + "/server.log", "-o",
                         "-p \(port) -k \(directory) -c listen_addresses=127.0.0.1 -c fsync=off"])
    }

    /// Stops the server (fast: open sessions are ended) and keeps its data, for `resume()`.
    func pause() async throws {
        try await pgctl(["stop", "-m", "fast", "-w", "-t", "60"])
    }

    /// Starts a paused server again (same data, same port).
    func resume() async throws {
        try await pgctl(["start", "-w", "-t", "60", "-l", directory + "/server.log", "-o",
                         "-p \(port) -k \(directory) -c listen_addresses=127.0.0.1 -c fsync=off"])
    }

    /// Stops the server and removes its directory.
    func stop() async {
        if FileManager.default.fileExists(atPath: directory + "/data/postmaster.pid") {
            _ = try? await runner.run(asServerUser(PostgresTestServer.binDirectory + "/pg_ctl",
                                                   ["-D", directory + "/data", "-m", "immediate", "-w", "-t", "30", "stop"]))
        }
        try? FileManager.default.removeItem(atPath: directory)
    }

    private func pgctl(_ arguments: [String]) async throws {
        try await check(asServerUser(PostgresTestServer.binDirectory + "/pg_ctl", ["-D", directory + "/data"] + arguments), "pg_ctl \(arguments[0])")
    }

    private func asServerUser(_ executable: String, _ arguments: [String]) -> Command {
        if PostgresTestServer.isRoot {
            return Command("runuser", ["-u", "postgres", "--", executable] + arguments, timeout: 120)
        }
        return Command(executable, arguments, timeout: 120)
    }

    private func check(_ command: Command, _ what: String) async throws {
        let output = try await runner.run(command)
        guard output.succeeded else {
            let log = (try? String(contentsOfFile: directory + "/server.log", encoding: .utf8)) ?? ""
            throw LabrunError.commandFailed(command, ProcessOutput(exitCode: output.exitCode, standardOutput: output.standardOutput,
                                                                   standardError: output.standardError + "\n" + log), what: what)
        }
    }

    private func chown(_ path: String) throws {
        guard PostgresTestServer.isRoot else { return }
        _ = try Platform.changeOwner(path, toUser: "postgres")
    }

    private static func makeDirectory() throws -> String {
        var template = Array((NSTemporaryDirectory() + "labrun-pg-XXXXXX").utf8CString)
        guard let made = mkdtemp(&template) else {
            throw LabrunError(id: "PG_TEST_SERVER", message: "Could not create a temporary directory (errno \(errno)).")
        }
        let path = String(cString: made)
        if isRoot { _ = try Platform.changeOwner(path, toUser: "postgres") }
        chmod(path, 0o700)
        return path
    }

    /// A TCP port nothing listens on right now (bind to port 0, read it back, close).
    static func freePort() throws -> Int {
        let fd = socket(AF_INET, Platform.streamSocket, 0)
        guard fd >= 0 else { throw LabrunError(id: "PG_TEST_SERVER", message: "socket() failed (errno \(errno)).") }
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = 0
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) }
        }
        guard bound == 0 else { throw LabrunError(id: "PG_TEST_SERVER", message: "bind() failed (errno \(errno)).") }
        let named = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        guard named == 0 else { throw LabrunError(id: "PG_TEST_SERVER", message: "getsockname() failed (errno \(errno)).") }
        return Int(UInt16(bigEndian: address.sin_port))
    }
}

/// Starts one PostgreSQL server for a whole suite and stops it afterwards (even on failure).
struct PostgresServerTrait: SuiteTrait, TestScoping {
    @TaskLocal static var current: PostgresTestServer?

    var isRecursive: Bool { false }

    func provideScope(for test: Test, testCase: Test.Case?, performing function: @Sendable () async throws -> Void) async throws {
        let server = try await PostgresTestServer.start()
        do {
            try await PostgresServerTrait.$current.withValue(server) { try await function() }
        } catch {
            await server.stop()
            throw error
        }
        await server.stop()
    }
}

extension Trait where Self == PostgresServerTrait {
    /// Runs the suite against a fresh PostgreSQL server.
    static var postgresServer: PostgresServerTrait { PostgresServerTrait() }
}

/// The suite's server (fails the test if the trait is missing).
func postgresServer() throws -> PostgresTestServer {
    try #require(PostgresServerTrait.current, "the suite needs the .postgresServer trait")
}
