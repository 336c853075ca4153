import Foundation
import KubernetesClient
import LabrunCore
import Testing

/// The real kube-apiserver the Kubernetes integration tests talk to: the bare cluster's admin
/// kubeconfig, or `LABRUN_TEST_KUBECONFIG`. The tests never start or stop it; they work only in
/// namespaces named `labrun-client-test-…` and delete them.
enum KubernetesTestCluster {
    static var kubeconfigPath: String {
        ProcessInfo.processInfo.environment["LABRUN_TEST_KUBECONFIG"] ?? "/var/lib/labrun/bare/admin.kubeconfig"
    }

    static var required: Bool { ProcessInfo.processInfo.environment["LABRUN_REQUIRE_INTEGRATION"] == "1" }

    /// Why no cluster can be used, or nil when one answers `/version`.
    static func unavailableReason() async -> String? {
        guard FileManager.default.fileExists(atPath: kubeconfigPath) else {
            return "no kubeconfig at \(kubeconfigPath) (start the bare cluster with cluster/bare/up, or set LABRUN_TEST_KUBECONFIG)"
        }
        do {
            let client = try KubernetesClient.fromKubeconfig(path: kubeconfigPath)
            _ = try await client.serverVersion()
            return nil
        } catch {
            return "the API server in \(kubeconfigPath) does not answer: \(error)"
        }
    }

    /// Run when a cluster answers, or when integration is required (then the tests fail loudly).
    static func shouldRun() async -> Bool {
        if let reason = await unavailableReason() {
            FileHandle.standardError.write(Data("Kubernetes integration tests: \(reason)\(required ? "" : " — skipping")\n".utf8))
            return required
        }
        return true
    }

    static func client() throws -> KubernetesClient {
        try KubernetesClient.fromKubeconfig(path: kubeconfigPath)
    }

    /// Creates a fresh `labrun-client-test-…` namespace, runs `body`, and deletes the namespace.
    static func withNamespace<T>(_ client: KubernetesClient, _ body: (String) async throws -> T) async throws -> T {
        try await clearLeftovers(client)
        let name = "labrun-client-test-" + String(UUID().uuidString.lowercased().prefix(8))
        _ = try await client.create(Namespace(name: name, labels: ["labrun.test/owner": "client-tests"]))
        do {
            try await waitForServiceAccountToken(client, namespace: name)
            let value = try await body(name)
            try await client.delete(Namespace.self, name: name, options: DeleteOptions(ignoreNotFound: true))
            return value
        } catch {
            try? await client.delete(Namespace.self, name: name, options: DeleteOptions(ignoreNotFound: true))
            throw error
        }
    }

    /// Deletes test namespaces an interrupted earlier run left behind (older than five minutes).
    static func clearLeftovers(_ client: KubernetesClient) async throws {
        let old = try await client.list(Namespace.self, options: ListOptions(labelSelector: "labrun.test/owner=client-tests"))
        for namespace in old.items where namespace.name.hasPrefix("labrun-client-test-") && namespace.status?.phase != "Terminating" {
            guard let created = namespace.metadata.created, Date().timeIntervalSince(created) > 300 else { continue }
            try await client.delete(Namespace.self, name: namespace.name, options: DeleteOptions(ignoreNotFound: true))
        }
    }

    /// Pods cannot be created in a new namespace until its `default` service account has its
    /// token (Kubernetes 1.20 answers 500 ServerTimeout "No API token found" meanwhile).
    static func waitForServiceAccountToken(_ client: KubernetesClient, namespace: String) async throws {
        _ = try await Wait.quick.with(timeout: 30).until("service account default in \(namespace) to get its token") { () -> Poll<Bool> in
            do {
                let account = try await client.get(.serviceAccounts, name: "default", namespace: namespace)
                return (account["secrets"]?.arrayValue?.isEmpty == false) ? .done(true) : .pending("no token secret yet")
            } catch let error as LabrunError where error.isNotFound {
                return .pending("no service account yet")
            }
        }
    }

    /// A local image pods can run (busybox), or nil: `LABRUN_TEST_IMAGE`, else the newest `labrun/bare-smoke`.
    static func runnableImage() async -> String? {
        if let image = ProcessInfo.processInfo.environment["LABRUN_TEST_IMAGE"], !image.isEmpty { return image }
        let output = try? await SystemProcessRunner().run(
            Command("docker", ["images", "--format", "{{.Repository}}:{{.Tag}}", "labrun/bare-smoke"], timeout: 20))
        return output?.standardOutput.split(separator: "\n").first.map(String.init)
    }

    /// The first `count` events of `watch`, or a timeout error naming what was seen.
    static func events<T: Sendable>(_ watch: KubernetesWatch<T>, count: Int, within seconds: Double,
                                    until stop: (@Sendable (WatchEvent<T>) -> Bool)? = nil) async throws -> [WatchEvent<T>] {
        try await withThrowingTaskGroup(of: [WatchEvent<T>]?.self) { group in
            group.addTask {
                var seen: [WatchEvent<T>] = []
                for try await event in watch {
                    seen.append(event)
                    if seen.count >= count || stop?(event) == true { break }
                }
                return seen
            }
            group.addTask {
                try await Task.sleep(nanoseconds: UInt64(seconds * 1e9))
                return nil
            }
            defer { group.cancelAll() }
            guard let first = try await group.next(), let events = first else {
                throw LabrunError.timeout("\(count) watch events", after: seconds)
            }
            return events
        }
    }
}
