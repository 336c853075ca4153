import ClusterProviders
import Foundation
import HTTPClient
import KubernetesClient
import LabrunCore
import StackLifecycle
import Testing

/// The cloud-cluster path for real: `labrun up --provider existing --registry 127.0.0.1:PORT`
/// against the bare cluster, with Debian's registry server (`docker-registry`, distribution 2.8)
/// on a free loopback port and a temporary store. labrun pushes the images and removes its tags
/// again, so the kubelet (on this host's Docker, which trusts 127.0.0.0/8 registries without TLS)
/// really pulls them: the registry's log shows it. Then, without a registry, the image check's
/// probe pod answers for real both ways: the images built here are on the node; an image no engine
/// has is refused with `IMAGES_NOT_VISIBLE`.
///
/// Runs with `LABRUN_E2E=1` against a cluster whose nodes use this host's Docker engine (the bare
/// cluster; `LABRUN_TEST_KUBECONFIG` may name another kubeconfig of such a cluster), and needs
/// `docker-registry` (`apt-get install docker-registry`; scripts/install-deps.sh installs it).
@Suite(.serialized) struct EndToEndRegistryTests {
    @Test(.enabled(if: EndToEndScenario.anyEnabled, EndToEndScenario.skipComment))
    func upPushesToTheRegistryTheNodesPullFromItAndTheProbeAnswersBothWays() async throws {
        guard try await EndToEndScenario.shouldRun("registry") else { return }
        guard let binary = SystemProcessRunner().which("docker-registry") else {
            let reason = "docker-registry is not installed (apt-get install docker-registry)"
            if EndToEndScenario.required { Issue.record("LABRUN_REQUIRE_INTEGRATION=1 but \(reason)"); return }
            try Test.cancel(Comment(rawValue: reason))
        }
        try await EndToEndGate.run(exclusive: false) { try await self.run(binary) }
    }

    func run(_ binary: String) async throws {
        let registryServer = try await TestRegistry.start(binary)
        defer { registryServer.removeStore() }
        do {
            try await upAndProbe(registryServer)
        } catch {
            await registryServer.stop()
            throw error
        }
        await registryServer.stop()
    }

    func upAndProbe(_ server: TestRegistry) async throws {
        let root = EndToEndScenario.projectRoot()
        let layout = try ProjectLayout.discover(start: root, executable: nil)
        let namespace = "labrun-e2e-registry-" + UUID().uuidString.prefix(6).lowercased()
        let registry = try ImageRegistry(server.location)
        let stack = try EndToEndScenario.stack(root: root)
        let options = LabOptions(stack: stack, provider: "existing", kubeconfig: EndToEndScenario.kubeconfig,
                                 namespace: namespace, registry: registry)
        let console = Console(level: .normal)
        let runner = SystemProcessRunner()
        let session = LabSession(options: options, console: console, runner: runner, layout: layout)

        let result = try await session.up()
        var pulledTags: [String] = []
        do {
            // The manifests named the registry's references, and the pods run them.
            #expect(!result.images.isEmpty)
            for (repository, reference) in result.images {
                #expect(reference.hasPrefix(server.location + "/" + repository + ":"), "\(repository) deployed as \(reference)")
            }
            let (provider, _) = try await session.selectProvider()
            let kube = try await session.client(for: provider)
            let pods = try await kube.list(Pod.self, namespace: namespace).items
            #expect(!pods.isEmpty)
            for pod in pods {
                for status in pod.status?.containerStatuses ?? [] {
                    #expect(status.image?.hasPrefix(server.location + "/") == true, "\(pod.name) runs \(status.image ?? "?")")
                    #expect(status.imageID?.contains(server.location + "/") == true, "\(pod.name)'s image is \(status.imageID ?? "?")")
                }
            }
            pulledTags = Array(Set(result.images.values))
            // The node pulled every image from the registry (labrun had removed its own tags of them).
            // (Its access log, one `"METHOD URI HTTP/1.1"` line a request. Seen here: a push sends the
            // manifest with PUT and never asks for one; a pull asks with HEAD, and GETs it only when
            // Docker does not know the digest — it does, from the push, so HEAD is what a pull leaves.)
            let requests = server.log().split(separator: "\n")
            for repository in result.images.keys {
                #expect(requests.contains { $0.contains("\"HEAD /v2/\(repository)/manifests/") || $0.contains("\"GET /v2/\(repository)/manifests/") },
                        Comment(rawValue: "the registry served no manifest of \(repository): nothing pulled it; its log on manifests:\n"
                            + requests.filter { $0.contains("manifests") }.map { $0.prefix(400) }.joined(separator: "\n")))
            }
            // The stack answers: the API's ready path, through the lasting endpoint `up` printed.
            if let api = stack.reachable.first(where: { $0.role == .api }), let ready = api.service?.ready,
               result.endpoints.reopen[api.name] == nil, let base = result.endpoints.url(api.name) {
                let http = try HTTPClient(configuration: HTTPClientConfiguration(timeout: 10, connectTimeout: 3))
                defer { http.shutdown() }
                let response = try await http.send(HTTPRequest(.get, base + ready))
                #expect(response.status == 200, "\(base + ready) answered \(response.status)")
            }

            // The image check, for real, in the same namespace: the images built here are on the
            // node (it shares this host's engine); an image no engine has is refused.
            let deployer = StackDeployer(stack: stack, provider: provider, kube: kube, kubeconfig: try await provider.kubeconfig(),
                                         runner: runner, layout: layout, progress: { console.info("  " + $0) })
            let local = try await deployer.ensureImages()
            #expect(local.values.allSatisfy { !$0.hasPrefix(server.location) })
            try await deployer.ensureVisible(local, namespace: namespace)
            let never = ["labrun-e2e/never-built": "labrun-e2e/never-built:" + UUID().uuidString.prefix(12).lowercased()]
            do {
                try await deployer.ensureVisible(never, namespace: namespace)
                Issue.record("an image no engine has was taken as visible")
            } catch let error as LabrunError {
                #expect(error.id == ErrorID.imagesNotVisible, "\(error.id): \(error.message)")
                #expect(error.message.contains(never.values.first ?? "?"))
            }
            let probes = try await kube.list(Pod.self, namespace: namespace,
                                             options: ListOptions(labelSelector: ImageVisibilityProbe.probeLabel)).items
            #expect(probes.allSatisfy { $0.metadata.deletionTimestamp != nil }, "the probe pod was not deleted")
        } catch {
            try? await session.down(keepCluster: true)
            await TestRegistry.untag(pulledTags)
            throw error
        }
        try await session.down(keepCluster: true)
        let after = try await session.status()
        #expect(!after.namespaceExists, "namespace \(namespace) still exists after down")
        await TestRegistry.untag(pulledTags)
    }
}

/// A `docker-registry serve` on a free loopback port, storing into a temporary directory.
struct TestRegistry: Sendable {
    let port: Int
    let directory: String
    let process: any BackgroundProcess

    var location: String { "127.0.0.1:\(port)" }
    var logPath: String { directory + "/registry.log" }

    static func start(_ binary: String) async throws -> TestRegistry {
        let port = try PortForwarder.freeLocalPort()
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("labrun-registry-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: directory + "/store", withIntermediateDirectories: true)
        // Access log on (level info): the test reads which manifests were pulled.
        let config = """
            version: 0.1
            log:
              level: info
            storage:
              filesystem:
                rootdirectory: \(directory)/store
            http:
              addr: 127.0.0.1:\(port)
            """
        try config.write(toFile: directory + "/config.yml", atomically: true, encoding: .utf8)
        let process = try await SystemProcessRunner().start(Command(binary, ["serve", directory + "/config.yml"]),
                                                            logPath: directory + "/registry.log")
        let server = TestRegistry(port: port, directory: directory, process: process)
        let http = try HTTPClient(configuration: HTTPClientConfiguration(timeout: 2, connectTimeout: 1))
        defer { http.shutdown() }
        do {
            try await Wait(timeout: 30, interval: 0.2).until("the registry on \(server.location) to answer /v2/") { () async throws -> Poll<Bool> in
                guard await process.isRunning() else {
                    throw LabrunError(id: "E2E_REGISTRY", message: "docker-registry exited: \(server.log().suffix(2000))")
                }
                do {
                    return try await http.send(HTTPRequest(.get, "http://\(server.location)/v2/")).status == 200 ? .done(true) : .pending(nil)
                } catch let error as LabrunError {
                    return .pending(error.message)
                }
            }
        } catch {
            await server.stop()
            server.removeStore()
            throw error
        }
        return server
    }

    func log() -> String { (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? "" }

    func stop() async { await process.stop(grace: 5) }

    func removeStore() { try? FileManager.default.removeItem(atPath: directory) }

    /// Removes the tags the kubelet's pulls left in this host's Docker (the images keep their own).
    static func untag(_ references: [String]) async {
        for reference in references {
            _ = try? await SystemProcessRunner().run(Command("docker", ["image", "rm", reference], timeout: 60))
        }
    }
}
