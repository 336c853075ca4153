import ClusterProviders
import Foundation
import HTTPClient
import LabrunCore
import ScenarioEngine
import StackLifecycle
import Testing
import ScenarioModel

/// The whole lab for real: `up` (cluster, images, deploy, readiness, access), a task created and
/// listed through the printed frontend URL, a second `up` that changes nothing, `status`, `down`,
/// and nothing left behind. Runs only with `LABRUN_E2E=1` (it starts a cluster and deploys to
/// it); provider from `LABRUN_PROVIDER` (else auto-detected), namespace `LABRUN_E2E_NAMESPACE`
/// (else `todo`). A cluster that was already running is left running.
@Suite(.serialized) struct EndToEndLabTests {
    static var environment: [String: String] { ProcessInfo.processInfo.environment }

    static let skipReason: Comment = "EndToEndLabTests skipped: set LABRUN_E2E=1 to bring up a cluster and the stack (needs a provider: root on Linux for bare, or minikube/kind)."

    /// Runs with `LABRUN_E2E=1`; also under `LABRUN_REQUIRE_INTEGRATION=1`, where a missing
    /// `LABRUN_E2E` is a failure rather than a skip.
    static var enabled: Bool {
        environment["LABRUN_E2E"] == "1" || environment["LABRUN_REQUIRE_INTEGRATION"] == "1"
    }

    static func projectRoot() -> String {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path
    }

    @Test(.enabled(if: EndToEndLabTests.enabled, EndToEndLabTests.skipReason), .timeLimit(.minutes(60)))
    func upCreateTaskStatusDownLeavesNothing() async throws { try await EndToEndGate.run(exclusive: true) { try await self.upCreateTaskStatusDownLeavesNothingAlone() } }

    /// The test itself, run alone: it starts and stops whole runs and looks at every namespace.
    func upCreateTaskStatusDownLeavesNothingAlone() async throws {
        guard Self.environment["LABRUN_E2E"] == "1" else {
            Issue.record("LABRUN_REQUIRE_INTEGRATION=1 but LABRUN_E2E is not 1: the end-to-end lab test did not run.")
            return
        }
        let layout = try ProjectLayout.discover(start: Self.projectRoot(), executable: nil)
        let namespace = Self.environment["LABRUN_E2E_NAMESPACE"] ?? "todo"
        let stack = try EndToEndScenario.stack(root: Self.projectRoot())
        let options = LabOptions(stack: stack, provider: Self.environment["LABRUN_PROVIDER"], namespace: namespace)
        let console = Console(level: .normal)
        let session = LabSession(options: options, console: console, runner: SystemProcessRunner(), layout: layout)

        let first = try await session.up()
        console.info("e2e: first up took \(formatSeconds(first.seconds)) (\(first.clusterOutcome.rawValue))")
        var keepCluster = !first.clusterOutcome.startedByLabrun
        do {
            // A task created and listed through the printed frontend URL, as a user whose token is signed with the
            // backend's key (the stack file's traffic.auth.jwt, as a run does).
            // A lab user's token, minted for this test, to the lab cluster's own network (a Minikube VM's too).
            let http = try HTTPClient(configuration: HTTPClientConfiguration(timeout: 10, connectTimeout: 3, allowInsecureCredentials: true))
            defer { http.shutdown() }
            let frontend = try #require(first.endpoints.url("frontend"), "up printed no frontend URL")
            guard case .jwt(let jwt)? = stack.traffic.auth else {
                Issue.record("the todo stack file declares no traffic.auth.jwt")
                return
            }
            let kube = try await session.client(for: try await session.selectProvider().provider)
            let secret = try await kube.get(.secrets, name: jwt.secret, namespace: namespace)
            let key = try #require(secret.value(at: "data.\(jwt.key)")?.stringValue.flatMap { Data(base64Encoded: $0) })
            let credentials = RequestCredentials.signed(jwt, key: key)
            let user = try #require(credentials.firstUser)
            let tasks = frontend + "/api/\(user)/tasks"
            let title = "e2e \(UUID().uuidString.prefix(8))"
            var headers = HTTPHeaders()
            headers.set("Idempotency-Key", UUID().uuidString)
            headers.set("Authorization", try #require(credentials.authorization(user: user)))
            let anonymous = try await http.send(HTTPRequest(.get, tasks))
            #expect(anonymous.status == 401, "GET without a token answered \(anonymous.status)")
            let created = try await http.send(try HTTPRequest.json(.post, tasks, body: ["title": title], headers: headers))
            #expect(created.status == 201, "POST \(tasks) answered \(created.status): \(created.text)")
            // Tasks are listed oldest first, 200 at most per page: read the last page.
            let firstPage = try await http.send(HTTPRequest(.get, tasks + "?limit=200", headers: headers))
            #expect(firstPage.status == 200, "GET \(tasks) answered \(firstPage.status): \(firstPage.text)")
            let total = (try firstPage.json())["total"]?.intValue ?? 0
            let listed = try await http.send(HTTPRequest(.get, tasks + "?limit=200&offset=\(max(0, total - 200))", headers: headers))
            #expect(listed.status == 200)
            let titles = (try listed.json())["items"]?.arrayValue?.compactMap { $0["title"]?.stringValue } ?? []
            #expect(titles.contains(title), "the new task is not in the list")

            // A second `up` changes nothing and is fast.
            let second = try await session.up()
            console.info("e2e: second up took \(formatSeconds(second.seconds))")
            #expect(second.images == first.images)
            // The node ports last; the database's port-forward is opened anew (a free local port) each time.
            #expect(second.endpoints.lastingEntries == first.endpoints.lastingEntries)
            #expect(second.endpoints.reopen == first.endpoints.reopen)
            #expect(first.endpoints.reopen.keys.sorted() == ["postgres"], "the database is reached through a port-forward, never a node port")
            #expect(second.clusterOutcome == .alreadyRunning)

            let status = try await session.status()
            console.info(StatusRenderer().render(status))
            #expect(status.allReady)
            #expect(status.leftovers.isEmpty)
        } catch {
            keepCluster = true
            try? await session.down(keepCluster: !first.clusterOutcome.startedByLabrun)
            throw error
        }

        try await session.down(keepCluster: keepCluster)
        let after = try await session.status()
        #expect(!after.namespaceExists, "namespace \(namespace) still exists after down")
        #expect(after.leftovers.isEmpty)
        let forwards = try await SystemProcessRunner().run(Command("pgrep", ["-f", "kubectl.*port-forward"]))
        #expect(forwards.standardOutput.isEmpty, "port-forward processes remain: \(forwards.standardOutput)")
        if first.clusterOutcome.startedByLabrun {
            #expect(!after.cluster.isRunning, "labrun started the cluster, so `down` should have stopped it")
            if after.provider == .bare {
                // Nothing of the bare cluster is left on the host: no pod containers, iptables chains or node link.
                let runner = SystemProcessRunner()
                let containers = try await runner.run(Command("docker", ["ps", "--all", "--quiet", "--filter", "name=k8s_"]))
                #expect(containers.standardOutput.isEmpty, "pod containers remain: \(containers.standardOutput)")
                for table in ["filter", "nat", "mangle"] {
                    let rules = try await runner.run(Command("iptables-save", ["-t", table]))
                    let chains = rules.standardOutput.split(separator: "\n").filter { $0.hasPrefix(":KUBE-") || $0.hasPrefix(":CNI-") }
                    #expect(chains.isEmpty, "iptables \(table) chains remain: \(chains.joined(separator: " "))")
                }
                let link = try await runner.run(Command("ip", ["link", "show", "labrun0"]))
                #expect(!link.succeeded, "the node link labrun0 remains")
            }
        }
    }
}
