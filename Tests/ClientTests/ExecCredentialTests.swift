import Foundation
import HTTPClient
import KubernetesClient
import LabrunCore
import LabrunTestSupport
import Testing

/// kubeconfig `exec` credential plugins (client-go's ExecCredential protocol), run for real: each
/// test writes a small shell script that prints an ExecCredential, and a kubeconfig that names it.
@Suite("Exec credential plugins")
struct ExecCredentialTests {
    /// A scratch directory with `plugin.sh` (printing `body`, with `tok-N` for its Nth run) and a
    /// kubeconfig whose user runs it.
    struct Scratch {
        let directory: String
        var kubeconfig: String { directory + "/config" }
        var runs: Int { ((try? String(contentsOfFile: directory + "/runs", encoding: .utf8)) ?? "").split(separator: "\n").count }
        func read(_ name: String) -> String { (try? String(contentsOfFile: directory + "/" + name, encoding: .utf8)) ?? "" }

        init(apiVersion: String = "client.authentication.k8s.io/v1", expires: String? = "2999-01-01T00:00:00Z", exitCode: Int = 0,
             printedVersion: String? = nil, command: String = "./plugin.sh", extraUser: String = "") throws {
            directory = FileManager.default.temporaryDirectory.appendingPathComponent("labrun-exec-\(UUID().uuidString)").path
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            let expiry = expires.map { #","expirationTimestamp":"\#($0)""# } ?? ""
            let script = """
                #!/bin/sh
                here="$(dirname "$0")"
                echo run >> "$here/runs"
                printf '%s\\n' "$KUBERNETES_EXEC_INFO" > "$here/info"
                printf '%s|%s\\n' "$LAB_REGION" "$*" > "$here/args"
                n=$(wc -l < "$here/runs" | tr -d ' ')
                if [ \(exitCode) -ne 0 ]; then
                  echo '{"status":{"token":"leaked-from-stdout"}}'
                  echo "error: the session for lab-user expired" >&2
                  exit \(exitCode)
                fi
                echo '{"apiVersion":"\(printedVersion ?? apiVersion)","kind":"ExecCredential","status":{"token":"tok-'$n'"\(expiry)}}'
                """
            _ = FileManager.default.createFile(atPath: directory + "/plugin.sh", contents: Data(script.utf8),
                                               attributes: [.posixPermissions: 0o755])
            let config = """
                apiVersion: v1
                kind: Config
                current-context: cloud
                clusters:
                - name: cloud
                  cluster:
                    server: https://k8s.test:6443
                    certificate-authority-data: RkFLRS1DQS1QRU0K
                users:
                - name: lab-user
                  user:
                    exec:
                      apiVersion: \(apiVersion)
                      command: \(command)
                      args: [get-token, --cluster, lab]
                      env: [{name: LAB_REGION, value: eu-west-1}]
                      installHint: Install it with `brew install lab-auth`.
                      provideClusterInfo: true
                      interactiveMode: Never
                \(extraUser)
                contexts:
                - name: cloud
                  context: {cluster: cloud, user: lab-user}
                """
            _ = FileManager.default.createFile(atPath: kubeconfig, contents: Data(config.utf8))
        }

        /// A client on the kubeconfig whose API answers `statuses` in turn (the last repeating).
        func client(_ api: FakeHTTPTransport) throws -> KubernetesClient {
            let configuration = try Kubeconfig.load(explicitPath: kubeconfig, environment: [:]).configuration()
            return try KubernetesClient(configuration: configuration, http: api)
        }
    }

    static func api(_ statuses: [Int] = [200]) -> FakeHTTPTransport {
        let script = HTTPRouteScript(["GET /version": statuses.map { .json($0, #"{"gitVersion":"v1.30.0","major":"1","minor":"30"}"#) }])
        return FakeHTTPTransport(script)
    }

    @Test func theTokenIsSentAndCachedUntilItExpires() async throws {
        let scratch = try Scratch()
        let api = Self.api()
        let kube = try scratch.client(api)
        _ = try await kube.serverVersion()
        _ = try await kube.serverVersion()
        #expect(api.requests.map { $0.headers["Authorization"] } == ["Bearer tok-1", "Bearer tok-1"])
        #expect(scratch.runs == 1)
        // The plugin got its args, the kubeconfig's env and KUBERNETES_EXEC_INFO with the cluster.
        #expect(scratch.read("args") == "eu-west-1|get-token --cluster lab\n")
        let info = try JSONValue.parse(Data(scratch.read("info").utf8))
        #expect(info["kind"]?.stringValue == "ExecCredential")
        #expect(info["apiVersion"]?.stringValue == "client.authentication.k8s.io/v1")
        #expect(info.value(at: "spec.interactive")?.boolValue == false)
        #expect(info.value(at: "spec.cluster.server")?.stringValue == "https://k8s.test:6443")
        #expect(info.value(at: "spec.cluster.certificate-authority-data")?.stringValue == "RkFLRS1DQS1QRU0K")
    }

    @Test func anExpiredCredentialIsFetchedAgain() async throws {
        let scratch = try Scratch(apiVersion: "client.authentication.k8s.io/v1beta1", expires: "2000-01-01T00:00:00Z")
        let api = Self.api()
        let kube = try scratch.client(api)
        _ = try await kube.serverVersion()
        _ = try await kube.serverVersion()
        #expect(api.requests.map { $0.headers["Authorization"] } == ["Bearer tok-1", "Bearer tok-2"])
        #expect(scratch.runs == 2)
    }

    @Test func aRefusedCredentialIsFetchedAgainOnce() async throws {
        let scratch = try Scratch(expires: nil)
        let api = Self.api([401, 200])
        _ = try await scratch.client(api).serverVersion()
        #expect(api.requests.map { $0.headers["Authorization"] } == ["Bearer tok-1", "Bearer tok-2"])
    }

    @Test func aFailingPluginIsAnErrorNamingItsCommandAndNeverItsOutput() async throws {
        let scratch = try Scratch(exitCode: 1)
        let error = await #expect(throws: LabrunError.self) { try await scratch.client(Self.api()).serverVersion() }
        #expect(error?.id == ErrorID.kubeconfigExecFailed)
        #expect(error?.message.contains("`\(scratch.directory)/plugin.sh get-token --cluster lab` of user lab-user exited with status 1") == true)
        #expect(error?.message.contains("the session for lab-user expired") == true)
        #expect(error.map { !"\($0)\($0.debugDetail ?? "")".contains("leaked-from-stdout") } == true)
        #expect(error?.advice?.contains("log in again") == true)
    }

    @Test func aMissingPluginSaysSoWithItsInstallHint() async throws {
        let scratch = try Scratch(command: "lab-auth-plugin-that-is-not-installed")
        let error = await #expect(throws: LabrunError.self) { try await scratch.client(Self.api()).serverVersion() }
        #expect(error?.id == ErrorID.kubeconfigExecNotFound)
        #expect(error?.message.contains("`lab-auth-plugin-that-is-not-installed` of user lab-user is not installed") == true)
        #expect(error?.advice == "Install it with `brew install lab-auth`.")
    }

    @Test func anAnswerInAnotherVersionIsRefused() async throws {
        let scratch = try Scratch(printedVersion: "client.authentication.k8s.io/v1beta1")
        let error = await #expect(throws: LabrunError.self) { try await scratch.client(Self.api()).serverVersion() }
        #expect(error?.id == ErrorID.kubeconfigExecFailed)
        #expect(error?.message.contains("the kubeconfig asked for client.authentication.k8s.io/v1") == true)
    }

    @Test func theTokenNeverAppearsInAMessage() async throws {
        let scratch = try Scratch()
        _ = try await scratch.client(Self.api()).serverVersion()
        let error = LabrunError(id: "X", message: "request with Bearer tok-1 was refused")
        #expect(!error.description.contains("tok-1"))
    }

    @Test func aRemovedVersionOrAuthProviderIsRefusedWithAdvice() throws {
        let old = try Scratch(apiVersion: "client.authentication.k8s.io/v1alpha1")
        #expect(throws: LabrunError.self) { try Kubeconfig.load(explicitPath: old.kubeconfig, environment: [:]) }

        let gcp = try Kubeconfig.parse("""
            clusters: [{name: gke, cluster: {server: "https://1.2.3.4", certificate-authority-data: Zm9vCg==}}]
            users: [{name: gke, user: {auth-provider: {name: gcp, config: {cmd-path: gcloud}}}}]
            contexts: [{name: gke, context: {cluster: gke, user: gke}}]
            current-context: gke
            """)
        do {
            _ = try gcp.configuration()
            Issue.record("expected an error")
        } catch let error as LabrunError {
            #expect(error.id == ErrorID.kubeconfigAuthProviderRemoved)
            #expect(error.message.contains("auth-provider gcp"))
            #expect(error.advice?.contains("gke-gcloud-auth-plugin") == true)
        }
    }

    @Test func aClientCertificateCanComeFromThePlugin() throws {
        let output = #"{"apiVersion":"client.authentication.k8s.io/v1","kind":"ExecCredential","status":{"clientCertificateData":"-----BEGIN CERTIFICATE-----\nX\n-----END CERTIFICATE-----","clientKeyData":"-----BEGIN PRIVATE KEY-----\nY\n-----END PRIVATE KEY-----","expirationTimestamp":"2030-01-02T03:04:05.123Z"}}"#
        let credential = try ExecCredential.parse(output, apiVersion: "client.authentication.k8s.io/v1", command: "plugin")
        #expect(credential.token == nil)
        #expect(credential.clientCertificateData.map { String(decoding: $0, as: UTF8.self) }?.hasPrefix("-----BEGIN CERTIFICATE-----") == true)
        #expect(credential.expiration == Date(timeIntervalSince1970: 1_893_553_445.123))
        #expect(!credential.description.contains("PRIVATE KEY"))
        #expect(throws: LabrunError.self) {
            try ExecCredential.parse(#"{"apiVersion":"client.authentication.k8s.io/v1","kind":"ExecCredential","status":{}}"#,
                                     apiVersion: "client.authentication.k8s.io/v1", command: "plugin")
        }
    }
}
