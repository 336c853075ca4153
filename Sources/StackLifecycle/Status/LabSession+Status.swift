import ClusterProviders
import Foundation
import HTTPClient
import KubernetesClient
import LabrunCore

extension LabSession {
    /// Reads everything `labrun status` shows. Changes nothing.
    public func status() async throws -> StackStatusReport {
        let (provider, reason) = try await selectProvider()
        let state = try store.load()
        let cluster = try await provider.status()
        let record = state.stacks[namespace]
        var report = StackStatusReport(
            provider: provider.kind, providerReason: reason, cluster: cluster,
            clusterOutcome: state.clusters[provider.kind.rawValue]?.outcome,
            kubeconfig: try? await provider.kubeconfig(), namespace: namespace,
            endpoints: record?.endpoints ?? [:])
        report.leftovers = Self.leftovers(in: state, provider: provider.kind, cluster: cluster, currentPID: getpid())
        report.blocking = cluster.problem

        guard cluster.isRunning || provider.kind == .existing else { return report }
        do {
            let kube = try await client(for: provider)
            report.serverVersion = try await kube.serverVersion().gitVersion
            report.nodes = try await kube.list(ResourceType.nodes, as: JSONValue.self).items.map(Self.node)
            let phase = try await namespaceState(kube)
            report.namespaceExists = phase == "Active"
            if phase == "Terminating" { report.problems.append("namespace \(namespace) is being deleted") }
            if report.namespaceExists {
                let pods = try await kube.list(Pod.self, namespace: namespace).items
                for deployment in try await kube.list(Deployment.self, namespace: namespace).items {
                    report.workloads.append(Self.workload(kind: "deployment", name: deployment.name,
                        desired: deployment.spec?.replicas ?? 1, ready: deployment.status?.readyReplicas ?? 0,
                        upToDate: deployment.status?.updatedReplicas ?? 0,
                        selector: deployment.spec?.selector, template: deployment.spec?.template, pods: pods))
                }
                for set in try await kube.list(StatefulSet.self, namespace: namespace).items {
                    report.workloads.append(Self.workload(kind: "statefulset", name: set.name,
                        desired: set.spec?.replicas ?? 1, ready: set.status?.readyReplicas ?? 0,
                        upToDate: set.status?.updatedReplicas ?? set.status?.currentReplicas ?? 0,
                        selector: set.spec?.selector, template: set.spec?.template, pods: pods))
                }
            }
            report.leftovers += try await foreignNamespaces(kube, state: state)
        } catch let error as LabrunError {
            report.problems.append(error.message)
            if let target = report.kubeconfig, report.blocking == nil {
                let classified = ClusterAccessFailure.classify(error, target: target, neverStarts: provider.kind == .existing)
                if classified.id != error.id || classified.id.hasPrefix(ErrorID.kubeconfigPrefix) { report.blocking = classified }
            }
        }
        if report.namespaceExists, let api = options.stack.api, let path = api.service?.ready,
           let base = report.endpoints[api.name], let header = options.stack.headers.version {
            report.appVersion = await Self.appVersion(url: base + path, header: header)
        }
        return report
    }

    static func node(_ object: JSONValue) -> StackStatusReport.Node {
        let conditions = object.value(at: "status.conditions")?.arrayValue ?? []
        let ready = conditions.first { $0["type"]?.stringValue == "Ready" }?["status"]?.stringValue == "True"
        let addresses = object.value(at: "status.addresses")?.arrayValue ?? []
        return StackStatusReport.Node(
            name: object.value(at: "metadata.name")?.stringValue ?? "?",
            ready: ready,
            kubeletVersion: object.value(at: "status.nodeInfo.kubeletVersion")?.stringValue ?? "",
            containerRuntime: object.value(at: "status.nodeInfo.containerRuntimeVersion")?.stringValue ?? "",
            address: addresses.first { $0["type"]?.stringValue == "InternalIP" }?["address"]?.stringValue ?? "")
    }

    static func workload(kind: String, name: String, desired: Int, ready: Int, upToDate: Int,
                         selector: LabelSelector?, template: PodTemplateSpec?, pods: [Pod]) -> StackStatusReport.Workload {
        let match = selector?.matchLabels ?? [:]
        let own = pods.filter { pod in
            let labels = pod.metadata.labels ?? [:]
            return !match.isEmpty && match.allSatisfy { labels[$0.key] == $0.value }
        }
        let images = template?.spec?.containers.compactMap(\.image) ?? []
        return StackStatusReport.Workload(kind: kind, name: name, ready: ready, desired: desired, upToDate: upToDate,
                                          restarts: own.reduce(0) { $0 + $1.restartCount }, images: images)
    }

    /// Leftovers the state file reveals: an `up` that never finished, processes still running,
    /// a cluster labrun started that is no longer running.
    static func leftovers(in state: LabrunState, provider: ProviderKind, cluster: ClusterState, currentPID: Int32) -> [String] {
        var found: [String] = []
        for record in state.stacks.values.sorted(by: { $0.namespace < $1.namespace }) {
            let ownerAlive = record.ownerPID != currentPID && ProcessReaper.isOurs(pid: record.ownerPID)
            if record.phase == .deploying && !ownerAlive {
                found.append("an interrupted `labrun up` left namespace \(record.namespace) half-deployed (\(record.provider)); `labrun up` completes it, `labrun down` removes it")
            }
            for pid in record.processes where ProcessReaper.isOurs(pid: pid) {
                found.append("process \(pid) (\(ProcessReaper.commandLine(pid: pid) ?? "?")) from an earlier run still runs; `labrun down` stops it")
            }
        }
        if let record = state.clusters[provider.rawValue], record.outcome.startedByLabrun, !cluster.isRunning {
            found.append("the state file says labrun started the \(provider) cluster, but it is \(cluster.phase.rawValue); `labrun down` forgets it")
        }
        return found
    }

    /// Annotation a labrun process puts on a namespace it works in (its pid), so `status` can tell
    /// a namespace in use from one an interrupted run left behind.
    public static let ownerAnnotation = "labrun.dev/owner-pid"

    /// Namespaces labelled as managed by labrun that no recorded stack owns (e.g. from an interrupted scenario run).
    func foreignNamespaces(_ kube: KubernetesClient, state: LabrunState) async throws -> [String] {
        let selector = "\(ManifestRenderer.managedByLabel)=\(ManifestRenderer.managedByValue)"
        let namespaces = try await kube.list(Namespace.self, options: ListOptions(labelSelector: selector)).items
        return namespaces.filter { ns in
            // Being deleted, or owned by a labrun process that still runs (a scenario under way): not a leftover.
            if ns.status?.phase == "Terminating" { return false }
            if let owner = ns.metadata.annotations?[Self.ownerAnnotation].flatMap(Int32.init), ProcessReaper.isOurs(pid: owner) {
                return false
            }
            return true
        }.map(\.name).filter { $0 != namespace && state.stacks[$0] == nil }.sorted().map {
            "namespace \($0) is labelled as made by labrun but no run owns it; delete it with `kubectl delete namespace \($0)` or `labrun down --namespace \($0)`"
        }
    }

    /// The version header of the API's answer to its readiness path.
    static func appVersion(url: String, header: String) async -> String? {
        guard let http = try? HTTPClient(configuration: HTTPClientConfiguration(timeout: 3, connectTimeout: 2)) else { return nil }
        defer { http.shutdown() }
        guard let response = try? await http.send(HTTPRequest(.get, url)), response.isSuccess else { return nil }
        return response.header(header)
    }
}
