import ArgumentParser
import ClusterProviders
import Foundation
import HTTPClient
import KubernetesClient
import LabrunCore
@testable import LabrunCLI
import LabrunTestSupport
@testable import StackLifecycle
import StackModel
import Testing

/// Hostile input for secrets, the kubeconfig loader, HTTP headers, terminal output and CLI flags
/// and state (issue 13): each case names the error id it must end with (or `accepted`, with the
/// reason in its name), a fragment of the message, and the secrets no byte of which may appear in
/// what it printed. Nested in the serialized CLI suite: argument parsing uses process-wide state.
extension LabrunCLITests {
    @Suite struct HostileInputTests {
        @Test(arguments: HostileCase.all)
        func endsWithItsErrorAndLeaksNothing(_ hostile: HostileCase) async throws {
            let outcome = await hostile.run()
            #expect(outcome.id == hostile.expected, "\(hostile.name): \(outcome.text)")
            #expect(hostile.fragment.isEmpty || outcome.text.contains(hostile.fragment), "\(hostile.name): \(outcome.text)")
            #expect(!outcome.text.unicodeScalars.contains { TerminalText.needsEscape($0) }, "\(hostile.name): raw control character in \(outcome.text.debugDescription)")
            for secret in hostile.secrets {
                for window in HostileCase.windows(of: secret) {
                    #expect(!outcome.text.contains(window), "\(hostile.name) leaks \(window.count) bytes of a secret")
                }
            }
        }

        @Test func theCorpusIsWideEnough() {
            #expect(HostileCase.all.count >= 40)
            #expect(Set(HostileCase.all.map(\.name)).count == HostileCase.all.count, "names are unique")
            let classes = Set(HostileCase.all.map { $0.name.split(separator: ":")[0] })
            #expect(classes == ["kubeconfig", "cluster", "header", "credentials", "terminal", "flag", "down", "state"])
        }
    }
}

/// What a case ended with: an error id (or `accepted`) and everything it would print.
struct HostileOutcome: Sendable {
    var id: String
    var text: String

    static func from(_ error: any Error) -> HostileOutcome {
        if let error = error as? LabrunError {
            return HostileOutcome(id: error.id, text: error.description + "\n" + (error.debugDetail ?? ""))
        }
        // Argument parsing: what `labrun` prints for a usage error (exit 64).
        return HostileOutcome(id: "USAGE", text: LabrunCommand.message(for: error))
    }

    static let accepted = HostileOutcome(id: "accepted", text: "")
}

struct HostileCase: Sendable, CustomTestStringConvertible {
    var name: String
    var expected: String
    var fragment: String
    var secrets: [String] = []
    var body: @Sendable () async throws -> String

    var testDescription: String { name }

    /// Runs the case: what it returned (accepted) or the error it threw.
    func run() async -> HostileOutcome {
        do {
            let text = try await body()
            return HostileOutcome(id: "accepted", text: text)
        } catch {
            return HostileOutcome.from(error)
        }
    }

    /// Every run of 8 bytes of `secret` (the whole of a shorter one): none may be printed.
    static func windows(of secret: String) -> [String] {
        let characters = Array(secret)
        guard characters.count > 8 else { return [secret] }
        return (0...(characters.count - 8)).map { String(characters[$0..<$0 + 8]) }
    }

    // MARK: Fixtures

    /// A private key as a kubeconfig holds it (base64 of a PEM block), and a token.
    static let keyData = Data("-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEAu1SU1LfVLPHCozMxH2Mo4lgOEePzNm0tRgeLezV6ffAt0gun\n-----END RSA PRIVATE KEY-----\n".utf8).base64EncodedString()
    static let token = "kube-token-9f8e7d6c5b4a39281706"

    static func kubeconfig(user: String = "    token: \(token)\n", cluster: String = "    server: https://127.0.0.1:6443\n",
                           current: String = "current-context: lab\n") -> String {
        "apiVersion: v1\nkind: Config\nclusters:\n- name: lab\n  cluster:\n" + cluster
            + "users:\n- name: me\n  user:\n" + user
            + "contexts:\n- name: lab\n  context: {cluster: lab, user: me}\n" + current
    }

    /// A scratch directory with a FIFO, a directory named like a file and a regular file.
    static let scratch: String = {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("labrun-hostile-\(UUID().uuidString)").path
        try? FileManager.default.createDirectory(atPath: root + "/dir.yaml", withIntermediateDirectories: true)
        mkfifo(root + "/fifo", 0o600)
        FileManager.default.createFile(atPath: root + "/file", contents: Data("x".utf8))
        FileManager.default.createFile(atPath: root + "/not-utf8", contents: Data([0x61, 0x3A, 0x20, 0xFF, 0xFE, 0x0A]))
        return root
    }()

    static func write(_ name: String, _ text: String) -> String {
        let path = scratch + "/" + name
        FileManager.default.createFile(atPath: path, contents: Data(text.utf8))
        return path
    }

    static func parse(_ text: String, context: String? = nil) throws -> String {
        _ = try Kubeconfig.parse(text, source: "hostile.kubeconfig", baseDirectory: scratch).configuration(context: context)
        return ""
    }

    static func usage(_ arguments: [String]) throws -> String {
        _ = try LabrunCommand.parseAsRoot(arguments)
        return ""
    }

    static func send(_ request: HTTPRequest, allow: Bool = false) async throws -> String {
        let transport = FakeHTTPTransport()
        transport.allowInsecureCredentials = allow
        _ = try await transport.send(request)
        return ""
    }

    static func session(namespace: String = "todo", provider: String = "existing", kubeconfig: String? = nil,
                        runner: RecordingProcessRunner = RecordingProcessRunner(), environment: [String: String] = [:],
                        state: String = "state") throws -> LabSession {
        let root = LabrunCLITests.repositoryRoot
        let layout = ProjectLayout(root: root, stateDirectory: scratch + "/" + state)
        let stack = try GlobalOptions.loadStack(nil, layout: layout)
        return LabSession(options: LabOptions(stack: stack, provider: provider, kubeconfig: kubeconfig, namespace: namespace),
                          console: Console(level: .quiet, sink: { _, _ in }), runner: runner, layout: layout,
                          environment: environment.merging(["HOME": scratch]) { a, _ in a })
    }

    /// Runs `startCluster`, then fails with `RECORDED` when the state file says labrun started a cluster.
    static func startRecordsNothing(_ session: LabSession) async throws -> String {
        do { _ = try await session.startCluster() } catch let error as LabrunError {
            if !(try session.store.load().clusters.isEmpty) {
                throw LabrunError(id: "RECORDED", message: "a failed start was recorded as started by labrun")
            }
            throw error
        }
        return ""
    }

    /// A Kubernetes client whose API server has namespace `lab` with `labels`.
    static func kube(labels: [String: String]) throws -> KubernetesClient {
        let labelJSON = labels.map { "\"\($0.key)\":\"\($0.value)\"" }.joined(separator: ",")
        let script = HTTPRouteScript(["GET /api/v1/namespaces/lab": [.json(200, #"{"kind":"Namespace","metadata":{"name":"lab","labels":{\#(labelJSON)}}}"#)]])
        return try KubernetesClient(configuration: KubernetesConfiguration(server: "https://127.0.0.1:6443"), http: FakeHTTPTransport(script))
    }

    struct Probe: ClusterProbe {
        var failure: LabrunError
        func serverVersion(_ target: KubeconfigTarget) async throws -> String { throw failure }
    }

    static func existing(failing failure: LabrunError) async throws -> String {
        let path = write("ok.kubeconfig", kubeconfig())
        let context = ProviderContext(runner: RecordingProcessRunner(), environment: ["HOME": scratch],
                                      layout: ProjectLayout(root: scratch, stateDirectory: scratch + "/state"))
        let provider = ExistingProvider(context: context, kubeconfig: path, probe: Probe(failure: failure))
        _ = try await provider.create()
        return ""
    }

    // MARK: The corpus

    static let all: [HostileCase] = kubeconfigCases + clusterCases + headerCases + credentialCases + terminalCases + flagCases + downCases + stateCases

    static let kubeconfigCases: [HostileCase] = [
        HostileCase(name: "kubeconfig: a bad line after client-key-data", expected: ErrorID.kubeconfigInvalid,
                    fragment: "(key client-key-data)", secrets: [keyData]) {
            try parse(kubeconfig(user: "    client-certificate-data: Q0VSVA==\n    client-key-data: \(keyData): oops\n"))
        },
        HostileCase(name: "kubeconfig: a bad line through labrun status", expected: ErrorID.kubeconfigInvalid,
                    fragment: "line 11, column", secrets: [keyData]) {
            let path = write("bad-line.kubeconfig", kubeconfig(user: "    client-certificate-data: Q0VSVA==\n    client-key-data: \(keyData): oops\n"))
            let report = try await session(kubeconfig: path, state: "state-status").status()
            let shown = StatusRenderer().render(report)
            guard let blocking = report.blocking else { return shown }
            // What `labrun status` prints: the report, then its error.
            throw LabrunError(id: blocking.id, message: shown + "\nerror: " + blocking.message, advice: blocking.advice)
        },
        HostileCase(name: "kubeconfig: client-key-data that is not base64", expected: ErrorID.kubeconfigInvalid,
                    fragment: "client-key-data of user me is not base64", secrets: [keyData + "!!"]) {
            try parse(kubeconfig(user: "    client-certificate-data: Q0VSVA==\n    client-key-data: \(keyData)!!\n"))
        },
        HostileCase(name: "kubeconfig: a token line broken by a tab", expected: ErrorID.kubeconfigInvalid, fragment: "line 10", secrets: [token]) {
            try parse(kubeconfig(user: "    token: \(token)\n\t  oops: [\n"))
        },
        HostileCase(name: "kubeconfig: a token key twice", expected: ErrorID.kubeconfigInvalid, fragment: "token", secrets: [token, "other-token-123456"]) {
            try parse(kubeconfig(user: "    token: \(token)\n    token: other-token-123456\n"))
        },
        HostileCase(name: "kubeconfig: a billion laughs", expected: ErrorID.kubeconfigInvalid, fragment: "aliases (*name) are not allowed") {
            var text = "a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n"
            for level in 1...9 { text += "a\(level): &a\(level) [" + Array(repeating: "*a\(level - 1)", count: 9).joined(separator: ", ") + "]\n" }
            return try parse(text)
        },
        HostileCase(name: "kubeconfig: an alias as a mapping key", expected: ErrorID.kubeconfigInvalid, fragment: "line 2") {
            try parse("a: &a [x, y]\n? *a\n: z\n")
        },
        HostileCase(name: "kubeconfig: lists nested 200 deep", expected: ErrorID.kubeconfigInvalid, fragment: "nest deeper than 64") {
            try parse("clusters: " + String(repeating: "[", count: 200) + String(repeating: "]", count: 200) + "\n")
        },
        HostileCase(name: "kubeconfig: lists nested 100000 deep", expected: ErrorID.kubeconfigInvalid, fragment: "Maximum nesting level") {
            try parse("clusters: " + String(repeating: "[", count: 100_000) + "\n")
        },
        HostileCase(name: "kubeconfig: 9 MiB of YAML", expected: ErrorID.kubeconfigTooLarge, fragment: "at most 8388608 bytes") {
            try parse("# " + String(repeating: "x", count: 9 << 20) + "\n")
        },
        HostileCase(name: "kubeconfig: a FIFO", expected: ErrorID.kubeconfigUnreadable, fragment: "a FIFO (named pipe), not a regular file") {
            _ = try Kubeconfig.parse(fileAt: scratch + "/fifo")
            return ""
        },
        HostileCase(name: "kubeconfig: a directory named like a file", expected: ErrorID.kubeconfigUnreadable, fragment: "a directory") {
            _ = try Kubeconfig.parse(fileAt: scratch + "/dir.yaml")
            return ""
        },
        HostileCase(name: "kubeconfig: /dev/zero", expected: ErrorID.kubeconfigUnreadable, fragment: "a character device") {
            _ = try Kubeconfig.load(explicitPath: "/dev/zero", environment: [:])
            return ""
        },
        HostileCase(name: "kubeconfig: a missing file", expected: ErrorID.kubeconfigMissing, fragment: "does not exist") {
            _ = try Kubeconfig.load(explicitPath: scratch + "/nope", environment: [:])
            return ""
        },
        HostileCase(name: "kubeconfig: bytes that are not UTF-8", expected: ErrorID.kubeconfigInvalid, fragment: "not UTF-8") {
            _ = try Kubeconfig.parse(fileAt: scratch + "/not-utf8")
            return ""
        },
        HostileCase(name: "kubeconfig: a NUL byte in a token", expected: ErrorID.kubeconfigInvalid, fragment: "not valid", secrets: [token]) {
            try parse(kubeconfig(user: "    token: \(token)\u{0}more\n"))
        },
        HostileCase(name: "kubeconfig: a list at the top", expected: ErrorID.kubeconfigInvalid, fragment: "top level is not a mapping") {
            try parse("- a\n- b\n")
        },
        HostileCase(name: "kubeconfig: two documents", expected: ErrorID.kubeconfigInvalid, fragment: "line") {
            try parse(kubeconfig() + "---\n" + kubeconfig())
        },
        HostileCase(name: "kubeconfig: an unknown context", expected: ErrorID.kubeconfigContextMissing, fragment: "Context nope is not in") {
            try parse(kubeconfig(), context: "nope")
        },
        HostileCase(name: "kubeconfig: no current context", expected: ErrorID.kubeconfigContextMissing, fragment: "no current-context") {
            try parse(kubeconfig(current: ""))
        },
        HostileCase(name: "kubeconfig: a missing client certificate file", expected: ErrorID.kubeconfigCredentialFileMissing,
                    fragment: "client-certificate of user me") {
            try parse(kubeconfig(user: "    client-certificate: missing.crt\n    client-key: missing.key\n"))
        },
        HostileCase(name: "kubeconfig: a missing CA file", expected: ErrorID.kubeconfigCredentialFileMissing, fragment: "certificate-authority of cluster lab") {
            try parse(kubeconfig(cluster: "    server: https://127.0.0.1:6443\n    certificate-authority: /nonexistent/ca.crt\n"))
        },
        HostileCase(name: "kubeconfig: a removed auth-provider", expected: ErrorID.kubeconfigAuthProviderRemoved, fragment: "auth-provider gcp") {
            try parse(kubeconfig(user: "    auth-provider: {name: gcp, config: {access-token: ya29.secret-access-token}}\n"))
        },
        HostileCase(name: "kubeconfig: username and password", expected: ErrorID.kubeconfigUnsupportedAuth, fragment: "username/password",
                    secrets: ["hunter2-Pw-9x8y7z"]) {
            try parse(kubeconfig(user: "    username: admin\n    password: hunter2-password-value\n"))
        },
        HostileCase(name: "kubeconfig: insecure-skip-tls-verify", expected: ErrorID.kubeconfigInsecure, fragment: "insecure-skip-tls-verify") {
            try parse(kubeconfig(cluster: "    server: https://127.0.0.1:6443\n    insecure-skip-tls-verify: true\n"))
        },
        HostileCase(name: "kubeconfig: an exec plugin of an unsupported version", expected: ErrorID.kubeconfigInvalid, fragment: "v1alpha1") {
            try parse(kubeconfig(user: "    exec: {apiVersion: client.authentication.k8s.io/v1alpha1, command: aws}\n"))
        },
        HostileCase(name: "kubeconfig: ESC in a context name", expected: ErrorID.kubeconfigContextMissing, fragment: "\\u{1B}[2J") {
            try parse(kubeconfig(), context: "x\u{1B}[2Jall passed")
        },
        HostileCase(name: "kubeconfig: a BOM and CRLF line ends (accepted: kubectl reads it too)", expected: "accepted", fragment: "") {
            try parse("\u{FEFF}" + kubeconfig().replacingOccurrences(of: "\n", with: "\r\n"))
        },
    ]

    static let clusterCases: [HostileCase] = [
        HostileCase(name: "cluster: connection refused", expected: ErrorID.clusterUnreachable, fragment: "labrun never starts an existing cluster") {
            try await existing(failing: LabrunError(id: ErrorID.httpConnect, message: "Could not connect to 127.0.0.1:6443."))
        },
        HostileCase(name: "cluster: a certificate of another CA", expected: ErrorID.clusterTLSMismatch, fragment: "regenerate the kubeconfig") {
            try await existing(failing: LabrunError(id: ErrorID.httpTls, message: "SSL certificate problem: unable to get local issuer certificate."))
        },
        HostileCase(name: "cluster: an expired token", expected: ErrorID.clusterCredentialsRejected, fragment: "refused the kubeconfig's credentials",
                    secrets: [token]) {
            try await existing(failing: LabrunError(id: "K8S_UNAUTHORIZED", message: "Unauthorized (token \(token))"))
        },
        HostileCase(name: "cluster: a failing exec plugin keeps its id", expected: ErrorID.kubeconfigExecFailed, fragment: "exited with status 1") {
            try await existing(failing: LabrunError(id: ErrorID.kubeconfigExecFailed, message: "The credential plugin `aws` exited with status 1."))
        },
        HostileCase(name: "cluster: a token over plain HTTP through the real client", expected: ErrorID.httpInsecureCredentials,
                    fragment: "http://kube.invalid:8080", secrets: [token]) {
            let configuration = try Kubeconfig.parse(kubeconfig(cluster: "    server: http://kube.invalid:8080\n")).configuration()
            _ = try await KubernetesClient(configuration: configuration).serverVersion()
            return ""
        },
    ]

    /// One header sent to a local server: name, value, then the id and fragment it must end with.
    static let headerCases: [HostileCase] = [
        ("CRLF in a value starts a new header", "X-Note", "value-secret-part\r\nX-Admin: true", ErrorID.httpHeaderInvalid, "line break (CR/LF)"),
        ("a bare LF in a value", "X-Note", "a\nb", ErrorID.httpHeaderInvalid, "line break"),
        ("a NUL in a value", "X-Note", "a\u{0}b", ErrorID.httpHeaderInvalid, "\\u{00}"),
        ("ESC in a value", "X-Note", "\u{1B}[2J", ErrorID.httpHeaderInvalid, "\\u{1B}"),
        ("a space in a name", "X Note", "a", ErrorID.httpHeaderInvalid, "header name X Note"),
        ("a colon in a name", "X-A:B", "a", ErrorID.httpHeaderInvalid, "header name X-A:B"),
        ("CRLF in a name", "X-A\r\nX-B", "a", ErrorID.httpHeaderInvalid, "X-A\\u{0D}\\nX-B"),
        ("an empty name", "", "a", ErrorID.httpHeaderInvalid, "header name"),
        ("a tab in a value (accepted: HTTP allows it)", "X-Note", "a\tb", "accepted", ""),
    ].map { name, field, value, id, fragment in
        HostileCase(name: "header: " + name, expected: id, fragment: fragment, secrets: ["value-secret-part"]) {
            try await send(HTTPRequest(.get, "http://127.0.0.1:8000/", headers: HTTPHeaders([(field, value)])))
        }
    } + [
        HostileCase(name: "header: CRLF in a bearer token", expected: ErrorID.httpHeaderInvalid, fragment: "Authorization", secrets: [token]) {
            try HTTPRequest(.get, "https://127.0.0.1:6443/version")
                .check(configuration: HTTPClientConfiguration(bearerToken: token + "\r\nX-Admin: yes"))
            return ""
        },
        HostileCase(name: "header: CRLF in the URL", expected: ErrorID.httpURLInvalid, fragment: "split the request line") {
            try await send(HTTPRequest(.get, "http://127.0.0.1:8000/a\r\nX-Admin: 1"))
        },
        HostileCase(name: "header: a space in the URL", expected: ErrorID.httpURLInvalid, fragment: "a space") {
            try await send(HTTPRequest(.get, "http://127.0.0.1:8000/a b"))
        },
    ]

    static let credentialCases: [HostileCase] = [
        HostileCase(name: "credentials: Authorization over plain HTTP", expected: ErrorID.httpInsecureCredentials, fragment: "--allow-insecure-credentials",
                    secrets: [token]) {
            try await send(HTTPRequest(.get, "http://lab.example:30080/api", headers: ["Authorization": "Bearer \(token)"]))
        },
        HostileCase(name: "credentials: a client bearer token over plain HTTP", expected: ErrorID.httpInsecureCredentials, fragment: "http://lab.example",
                    secrets: [token]) {
            try HTTPRequest(.get, "http://lab.example/version").check(configuration: HTTPClientConfiguration(bearerToken: token))
            return ""
        },
        HostileCase(name: "credentials: a cookie over plain HTTP", expected: ErrorID.httpInsecureCredentials, fragment: "over plain HTTP",
                    secrets: ["session-cookie-value"]) {
            try await send(HTTPRequest(.get, "HTTP://LAB.EXAMPLE/", headers: ["Cookie": "sid=session-cookie-value"]))
        },
        HostileCase(name: "credentials: over plain HTTP with the flag (accepted: the user opted in)", expected: "accepted", fragment: "") {
            try await send(HTTPRequest(.get, "http://lab.example:30080/api", headers: ["Authorization": "Bearer \(token)"]), allow: true)
        },
        HostileCase(name: "credentials: over plain HTTP to loopback (accepted: never leaves the machine)", expected: "accepted", fragment: "") {
            try await send(HTTPRequest(.get, "http://127.0.0.2:8000/api", headers: ["Authorization": "Bearer \(token)"]))
        },
        HostileCase(name: "credentials: over https (accepted)", expected: "accepted", fragment: "") {
            try await send(HTTPRequest(.get, "https://lab.example/api", headers: ["Authorization": "Bearer \(token)"]))
        },
        HostileCase(name: "credentials: a loopback look-alike host", expected: ErrorID.httpInsecureCredentials, fragment: "127.0.0.1.example.com") {
            try await send(HTTPRequest(.get, "http://127.0.0.1.example.com/", headers: ["Authorization": "Bearer \(token)"]))
        },
        HostileCase(name: "credentials: over plain HTTP to an address no interface here carries (TEST-NET-1)",
                    expected: ErrorID.httpInsecureCredentials, fragment: "192.0.2.10") {
            try await send(HTTPRequest(.get, "http://192.0.2.10:30080/api", headers: ["Authorization": "Bearer \(token)"]))
        },
        HostileCase(name: "credentials: over plain HTTP to an address of this machine's own interface (accepted: never leaves it)",
                    expected: "accepted", fragment: "") {
            // Any address an interface carries, loopback aside (a machine without one has only loopback, tested above).
            let own = HostAddresses.current().sorted().first { !$0.hasPrefix("127.") && $0 != "::1" && !$0.contains(":") } ?? "127.0.0.3"
            return try await send(HTTPRequest(.get, "http://\(own):30080/api", headers: ["Authorization": "Bearer \(token)"]))
        },
    ]

    static let terminalCases: [HostileCase] = [
        HostileCase(name: "terminal: ESC in an error message", expected: "X", fragment: "\\u{1B}[2J") {
            throw LabrunError(id: "X", message: "scenario file \u{1B}[2J\u{1B}[Hall scenarios passed.yaml is not valid")
        },
        HostileCase(name: "terminal: OSC and BEL in advice", expected: "X", fragment: "\\u{1B}]0;") {
            throw LabrunError(id: "X", message: "m", advice: "pod log said \u{1B}]0;pwned\u{7}")
        },
        HostileCase(name: "terminal: a carriage return rewriting the line", expected: "X", fragment: "\\u{0D}") {
            throw LabrunError(id: "X", message: "server said ok\rFAILED")
        },
        HostileCase(name: "terminal: a console line with C1 and bidi controls (accepted, shown escaped)", expected: "accepted", fragment: "\\u{9B}") {
            let lines = Written()
            Console(environment: ["CI": "1"], sink: { line, _ in lines.add(line) }).info("file \u{9B}31m \u{202E}lmth.exe")
            return lines.text
        },
        HostileCase(name: "terminal: a secret in a console line (accepted, masked)", expected: "accepted", fragment: "token: ••••••",
                    secrets: [token]) {
            let lines = Written()
            Console(environment: ["CI": "1"], sink: { line, _ in lines.add(line) }).info("token: \(token)")
            return lines.text
        },
    ]

    /// Usage errors: arguments, then a fragment of what `labrun` prints ("" for arguments accepted).
    static let flagCases: [HostileCase] = [
        ("--provider ''", ["status", "--provider", ""], "--provider needs a name"),
        ("--provider with ESC", ["status", "--provider", "mini\u{1B}kube"], "'mini\\u{1B}kube' is not one of"),
        ("--kubeconfig a FIFO", ["status", "--kubeconfig", scratch + "/fifo"], "a FIFO (named pipe), not a regular file"),
        ("--kubeconfig /dev/zero", ["status", "--kubeconfig", "/dev/zero"], "lies in /dev"),
        ("--kubeconfig a directory", ["status", "--kubeconfig", scratch + "/dir.yaml"], "a directory, not a regular file"),
        ("--kubeconfig ''", ["status", "--kubeconfig", ""], "--kubeconfig needs a path"),
        ("--kubeconfig in the kernel's files", ["status", "--kubeconfig", Platform.pseudoFileSystems[0] + "/self/environ"], "kernel files"),
        ("--report-dir a file", ["all", "--report-dir", scratch + "/file"], "a regular file, not a directory"),
        ("--report-dir in the kernel's files", ["all", "--report-dir", Platform.pseudoFileSystems[0] + "/labrun"], "where reports cannot be written"),
        ("--report-dir climbing into the kernel's files with ..",
         ["all", "--report-dir", scratch + String(repeating: "/..", count: 40) + Platform.pseudoFileSystems[0] + "/x"], "lies in"),
        ("--report-dir under a file", ["all", "--report-dir", scratch + "/file/reports"], "cannot be created"),
        ("--report-dir ''", ["all", "--report-dir", ""], "--report-dir needs a path"),
        ("--report-dir a FIFO", ["all", "--report-dir", scratch + "/fifo"], "a FIFO"),
        ("--history a directory", ["all", "--history", scratch + "/dir.yaml"], "a directory, not a regular file"),
        ("--context ''", ["status", "--context", ""], "--context needs a context name"),
        ("--context with ESC", ["status", "--context", "lab\u{1B}[2J"], "holds control characters"),
        ("--label with a new line", ["all", "--label", "tier\nx=core"], "holds control characters"),
        ("--scenario-dir a file", ["list", "--scenario-dir", scratch + "/file"], "a regular file, not a directory"),
        ("--namespace ../../x", ["down", "--namespace", "../../x"], "is not a valid namespace name"),
        ("--report-dir new under a writable directory (accepted)", ["all", "--report-dir", scratch + "/reports/new"], ""),
    ].map { name, arguments, fragment in
        HostileCase(name: "flag: " + name, expected: fragment.isEmpty ? "accepted" : "USAGE", fragment: fragment) { try usage(arguments) }
    }

    static let downCases: [HostileCase] = [
        HostileCase(name: "down: --namespace default", expected: ErrorID.namespaceProtected, fragment: "belongs to Kubernetes itself") {
            try await session(namespace: "default").down(keepCluster: true)
            return ""
        },
        HostileCase(name: "down: --namespace kube-system --force", expected: ErrorID.namespaceProtected, fragment: "--force or not") {
            try await session(namespace: "kube-system").down(keepCluster: true, force: true)
            return ""
        },
        HostileCase(name: "down: a namespace labrun did not make", expected: ErrorID.namespaceNotLabruns, fragment: "add --force") {
            try await session(namespace: "lab").checkOwnership(kube(labels: ["team": "payments"]), force: false)
            return ""
        },
        HostileCase(name: "down: a namespace labrun did not make, --force (accepted: the user said so)", expected: "accepted", fragment: "") {
            try await session(namespace: "lab").checkOwnership(kube(labels: [:]), force: true)
            return ""
        },
        HostileCase(name: "down: a namespace labrun made (accepted)", expected: "accepted", fragment: "") {
            try await session(namespace: "lab").checkOwnership(kube(labels: [ManifestRenderer.managedByLabel: ManifestRenderer.managedByValue]), force: false)
            return ""
        },
    ]

    static let stateCases: [HostileCase] = [
        HostileCase(name: "state: a failed up against an existing cluster records nothing", expected: ErrorID.clusterUnreachable,
                    fragment: "does not answer") {
            // Port 1 on loopback: the connection is refused at once.
            let path = write("refused.kubeconfig", kubeconfig(cluster: "    server: https://127.0.0.1:1\n"))
            return try await startRecordsNothing(session(kubeconfig: path, state: "state-existing"))
        },
        HostileCase(name: "state: a minikube start that failed records nothing", expected: ErrorID.commandFailed, fragment: "GUEST_PROVISION") {
            let runner = RecordingProcessRunner(installed: ["minikube"])
            runner.add(["minikube", "status"], exitCode: 7,
                       stdout: #"{"Name":"labrun","Host":"Stopped","Kubelet":"Stopped","APIServer":"Stopped","Kubeconfig":"Stopped","Worker":false}"#)
            runner.add(["minikube", "start"], exitCode: 80, stderr: "Exiting due to GUEST_PROVISION: error provisioning guest")
            return try await startRecordsNothing(session(provider: "minikube", runner: runner,
                                                         environment: ["LABRUN_MINIKUBE_DRIVER": "kvm2"], state: "state-minikube"))
        },
        HostileCase(name: "state: up into a namespace someone else made does not label it (accepted, label dropped)", expected: "accepted",
                    fragment: "\"team\"") {
            let namespace: JSONValue = ["kind": "Namespace", "metadata": ["name": "lab", "labels": ["team": "a", ManifestRenderer.managedByLabel: "labrun"]]]
            let stripped = LabSession.withoutOwnership(namespace)
            guard stripped.value(at: "metadata.labels")?[ManifestRenderer.managedByLabel] == nil else {
                throw LabrunError(id: "STILL_LABELLED", message: "the label stayed")
            }
            return stripped.jsonString
        },
    ]
}

/// What a console wrote, collected from any thread.
final class Written: @unchecked Sendable {
    private let lock = NSLock()
    private var lines = ""
    func add(_ line: String) { lock.withLock { lines += line } }
    var text: String { lock.withLock { lines } }
}
