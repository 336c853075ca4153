import Foundation
import HTTPClient
import LabrunCore
import Testing

/// Local HTTP and HTTPS (mutual TLS) servers for the HTTPClient integration tests: a small
/// Python `http.server` on 127.0.0.1, with a throwaway CA, server and client certificates made by
/// `openssl`. Stopped, and the directory removed, at the end of the suite.
final class HTTPTestServer: Sendable {
    static var unavailableReason: String? {
        let runner = SystemProcessRunner()
        if runner.which("python3") == nil { return "python3 is not installed" }
        if runner.which("openssl") == nil { return "openssl is not installed" }
        return nil
    }

    static var shouldRun: Bool {
        unavailableReason == nil || ProcessInfo.processInfo.environment["LABRUN_REQUIRE_INTEGRATION"] == "1"
    }

    static let skipComment: Comment = "HTTP integration tests skipped: \(unavailableReason ?? "?")"

    let directory: String
    let plainPort: Int
    let tlsPort: Int
    let token: String
    private let processes: [any BackgroundProcess]

    var plain: String { "http://127.0.0.1:\(plainPort)" }
    var secure: String { "https://127.0.0.1:\(tlsPort)" }
    func file(_ name: String) -> String { directory + "/" + name }
    func pem(_ name: String) throws -> Data { try Data(contentsOf: URL(fileURLWithPath: file(name))) }

    private init(directory: String, plainPort: Int, tlsPort: Int, token: String, processes: [any BackgroundProcess]) {
        self.directory = directory
        self.plainPort = plainPort
        self.tlsPort = tlsPort
        self.token = token
        self.processes = processes
    }

    static func start() async throws -> HTTPTestServer {
        if let reason = unavailableReason {
            throw LabrunError(id: "HTTP_TEST_SERVER", exitCode: ExitCode.unavailable, message: "Cannot start the HTTP test server: \(reason).")
        }
        let runner = SystemProcessRunner()
        let directory = NSTemporaryDirectory() + "labrun-http-" + UUID().uuidString.prefix(8)
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        try script.write(toFile: directory + "/server.py", atomically: true, encoding: .utf8)
        try await runner.check(Command("/bin/sh", ["-c", certificates], workingDirectory: directory, timeout: 60), what: "making test certificates")
        let token = "tok-" + UUID().uuidString
        Redactor.shared.register(token)
        var started: [any BackgroundProcess] = []
        do {
            let plainPort = try PostgresTestServer.freePort()
            let tlsPort = try PostgresTestServer.freePort()
            started.append(try await runner.start(Command("python3", [directory + "/server.py", String(plainPort), token]),
                                                  logPath: directory + "/plain.log"))
            started.append(try await runner.start(Command("python3", [directory + "/server.py", String(tlsPort), token,
                                                                      directory + "/server.crt", directory + "/server.key", directory + "/ca.crt"]),
                                                  logPath: directory + "/tls.log"))
            let server = HTTPTestServer(directory: directory, plainPort: plainPort, tlsPort: tlsPort, token: token, processes: started)
            // Ready when both ports accept connections (an HTTP answer on the plain one, a TLS handshake attempt on the other).
            let probe = try HTTPClient(configuration: HTTPClientConfiguration(timeout: 2, connectTimeout: 1))
            try await Wait.quick.until("the test HTTP server on port \(plainPort)") {
                (try? await probe.send(HTTPRequest(.get, server.plain + "/json")))?.status == 200
            }
            try await Wait.quick.until("the test HTTPS server on port \(tlsPort)") {
                do { _ = try await probe.send(HTTPRequest(.get, server.secure + "/json")); return true } catch let error as LabrunError {
                    return error.id != "HTTP_CONNECT"
                }
            }
            probe.shutdown()
            return server
        } catch {
            for process in started { await process.stop(grace: 2) }
            try? FileManager.default.removeItem(atPath: directory)
            throw error
        }
    }

    func stop() async {
        for process in processes { await process.stop(grace: 2) }
        try? FileManager.default.removeItem(atPath: directory)
    }

    /// CA, server certificate for IP 127.0.0.1 only, client certificate for mutual TLS.
    static let certificates = """
        set -e
        openssl req -x509 -newkey rsa:2048 -nodes -keyout ca.key -out ca.crt -days 2 -subj /CN=labrun-test-ca 2>/dev/null
        printf 'subjectAltName=IP:127.0.0.1\\nextendedKeyUsage=serverAuth\\n' > server.ext
        printf 'extendedKeyUsage=clientAuth\\n' > client.ext
        openssl req -newkey rsa:2048 -nodes -keyout server.key -out server.csr -subj /CN=127.0.0.1 2>/dev/null
        openssl x509 -req -in server.csr -CA ca.crt -CAkey ca.key -CAcreateserial -out server.crt -days 2 -extfile server.ext 2>/dev/null
        openssl req -newkey rsa:2048 -nodes -keyout client.key -out client.csr -subj /CN=labrun-client 2>/dev/null
        openssl x509 -req -in client.csr -CA ca.crt -CAkey ca.key -CAcreateserial -out client.crt -days 2 -extfile client.ext 2>/dev/null
        """

    static let script = #"""
        import http.server, json, socketserver, ssl, sys, time

        TOKEN = sys.argv[2]

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            disable_nagle_algorithm = True

            def log_message(self, *args):
                pass

            def send(self, code, body, extra=None):
                data = json.dumps(body).encode()
                self.send_response(code)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                for key, value in (extra or {}).items():
                    self.send_header(key, value)
                self.end_headers()
                self.wfile.write(data)

            def do_GET(self):
                path, _, query = self.path.partition("?")
                q = dict(p.split("=", 1) for p in query.split("&") if "=" in p)
                if path == "/json":
                    self.send(200, {"ok": True, "n": 3}, {"X-App-Version": "v9", "X-Served-By": "pod-a"})
                elif path == "/peer":
                    self.send(200, {"port": self.client_address[1]})
                elif path.startswith("/status/"):
                    self.send(int(path[len("/status/"):]), {"error": "as requested"})
                elif path == "/slow":
                    time.sleep(float(q.get("s", "2")))
                    self.send(200, {"slow": True})
                elif path == "/auth":
                    ok = self.headers.get("Authorization") == "Bearer " + TOKEN
                    self.send(200 if ok else 401, {"auth": "ok" if ok else "missing"})
                elif path == "/stream":
                    n = int(q.get("n", "5"))
                    self.send_response(200)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Transfer-Encoding", "chunked")
                    self.end_headers()
                    payload = b"".join(json.dumps({"i": i}).encode() + b"\n" for i in range(n))
                    for k in range(0, len(payload), 7):
                        piece = payload[k:k + 7]
                        self.wfile.write(b"%x\r\n%s\r\n" % (len(piece), piece))
                        self.wfile.flush()
                        time.sleep(0.001)
                    if q.get("hang"):
                        time.sleep(30)
                    self.wfile.write(b"0\r\n\r\n")
                else:
                    self.send(404, {"error": "no route"})

            def echo(self):
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length).decode()
                self.send(200, {"method": self.command, "body": body, "type": self.headers.get("Content-Type"),
                                "expect": self.headers.get("Expect"), "agent": self.headers.get("User-Agent")})

            do_POST = do_PUT = do_PATCH = do_DELETE = echo

        class Server(socketserver.ThreadingMixIn, http.server.HTTPServer):
            daemon_threads = True
            allow_reuse_address = True
            request_queue_size = 1024

        server = Server(("127.0.0.1", int(sys.argv[1])), Handler)
        if len(sys.argv) > 3:
            context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            context.load_cert_chain(sys.argv[3], sys.argv[4])
            context.verify_mode = ssl.CERT_REQUIRED
            context.load_verify_locations(sys.argv[5])
            server.socket = context.wrap_socket(server.socket, server_side=True)
        server.serve_forever()
        """#
}

/// Starts the test HTTP servers for a suite and stops them afterwards.
struct HTTPServerTrait: SuiteTrait, TestScoping {
    @TaskLocal static var current: HTTPTestServer?

    var isRecursive: Bool { false }

    func provideScope(for test: Test, testCase: Test.Case?, performing function: @Sendable () async throws -> Void) async throws {
        let server = try await HTTPTestServer.start()
        do {
            try await HTTPServerTrait.$current.withValue(server) { try await function() }
        } catch {
            await server.stop()
            throw error
        }
        await server.stop()
    }
}

extension Trait where Self == HTTPServerTrait {
    static var httpServer: HTTPServerTrait { HTTPServerTrait() }
}

func httpServer() throws -> HTTPTestServer {
    try #require(HTTPServerTrait.current, "the suite needs the .httpServer trait")
}
