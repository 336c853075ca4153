import ClusterProviders
import Foundation
import HTTPClient
import KubernetesClient
import LabrunCore
import StackModel

extension LabSession {
    /// The stack, then the cluster if labrun started it (unless `keepCluster`).
    ///
    /// Only a namespace labrun made is deleted: one labelled `app.kubernetes.io/managed-by=labrun`
    /// (`labrun up` and every scenario run label theirs), else nothing is touched unless `force`.
    /// Kubernetes' own namespaces (`default`, `kube-system`…) are refused even with `force`.
    public func down(keepCluster: Bool, force: Bool = false) async throws {
        try Self.refuseSystemNamespace(namespace)
        let (provider, reason) = try await selectProvider()
        console.info("provider: \(provider.kind) (\(reason))")
        let state = try store.load()

        try await console.step("Stop processes labrun left running") {
            for pid in state.stacks[namespace]?.processes ?? [] { await ProcessReaper.stop(pid: pid, clock: clock) }
        }

        let cluster = try await provider.status()
        let record = state.clusters[provider.kind.rawValue]
        let willStopCluster = record?.outcome.startedByLabrun == true && !keepCluster
        if cluster.isRunning {
            do {
                let kube = try await client(for: provider)
                try await checkOwnership(kube, force: force)
                try await console.step("Delete namespace \(namespace)") {
                    try await deleteNamespace(kube, wait: true)
                }
            } catch let error as LabrunError where willStopCluster && error.id != ErrorID.namespaceNotLabruns {
                // The namespace goes with the cluster; do not let a dying API server stop the teardown.
                console.warn("could not delete namespace \(namespace) (\(error.message)); stopping the cluster removes it anyway")
            }
        } else {
            console.info("the cluster is \(cluster.phase.rawValue): nothing to delete in it")
        }
        try store.update { $0.stacks[namespace] = nil }

        guard let record, record.outcome.startedByLabrun else {
            console.info("the cluster was not started by labrun: leaving it \(cluster.phase.rawValue)")
            return
        }
        if keepCluster {
            console.info("--keep-cluster: leaving the \(provider.kind) cluster running (`labrun down` without it stops it)")
            return
        }
        let others = state.stacks.values.filter { $0.namespace != namespace && $0.provider == provider.kind }.map(\.namespace)
        if !others.isEmpty {
            console.info("leaving the cluster running: labrun still has stacks in \(others.sorted().joined(separator: ", "))")
            return
        }
        try await console.step("\(record.outcome == .created ? "Delete" : "Stop") the \(provider.kind) cluster") {
            try await provider.destroy(record.outcome)
        }
        try store.update { $0.clusters[provider.kind.rawValue] = nil }
    }

    static func refuseSystemNamespace(_ namespace: String) throws {
        guard SystemNamespaces.names.contains(namespace) else { return }
        throw LabrunError(
            id: ErrorID.namespaceProtected, exitCode: ExitCode.invalidInput,
            message: "Namespace \(namespace) belongs to Kubernetes itself; `labrun down` never deletes it (nor the pods in it), --force or not.",
            advice: "Name the namespace labrun deployed to (`labrun status` shows it), or leave --namespace out for the stack's own.")
    }

    /// Whether the namespace carries labrun's label: nil when it does not exist.
    func namespaceIsLabruns(_ kube: KubernetesClient) async throws -> Bool? {
        try await existingNamespace(kube).map { $0.metadata.labels?[ManifestRenderer.managedByLabel] == ManifestRenderer.managedByValue }
    }

    /// The namespace, or nil when it does not exist.
    func existingNamespace(_ kube: KubernetesClient) async throws -> Namespace? {
        do { return try await kube.get(Namespace.self, name: namespace) } catch let error as LabrunError where error.isNotFound { return nil }
    }

    /// Refuses a namespace labrun did not make, unless `force`.
    func checkOwnership(_ kube: KubernetesClient, force: Bool) async throws {
        guard try await namespaceIsLabruns(kube) == false else { return }
        let label = "\(ManifestRenderer.managedByLabel)=\(ManifestRenderer.managedByValue)"
        if force {
            console.warn("namespace \(namespace) has no \(label) label: deleting it anyway (--force), with everything in it")
            return
        }
        throw LabrunError(
            id: ErrorID.namespaceNotLabruns, exitCode: ExitCode.invalidInput,
            message: "Namespace \(namespace) was not made by labrun (it has no \(label) label), so `labrun down` leaves it and everything in it alone; nothing was changed.",
            advice: "Check the name (`labrun status` lists labrun's namespaces); to delete it anyway, with every object in it, add --force.")
    }

    /// The namespace's phase (`Active`, `Terminating`), or nil when it does not exist.
    func namespaceState(_ kube: KubernetesClient) async throws -> String? {
        try await existingNamespace(kube).map { $0.status?.phase ?? "Active" }
    }

    /// Deletes the namespace (and so the whole stack) and, with `wait`, polls until it is gone.
    func deleteNamespace(_ kube: KubernetesClient, wait: Bool) async throws {
        guard wait else {
            try await kube.delete(Namespace.self, name: namespace,
                                  options: DeleteOptions(propagationPolicy: .foreground, ignoreNotFound: true))
            return
        }
        try await kube.removeNamespace(namespace, timeout: 180, clock: clock)
    }

    /// Turns anything thrown by a lab command into a `LabrunError` for the user.
    public static func describe(_ error: any Error, interrupted: Bool) -> LabrunError {
        if interrupted || error is CancellationError {
            return LabrunError(id: ErrorID.interrupted, exitCode: ExitCode.interrupted,
                               message: "Interrupted; the cleanup of this run has run (see the lines above).",
                               advice: "Run `labrun status` to see what is left; `labrun up` resumes, `labrun down` removes it.")
        }
        if let error = error as? LabrunError { return error }
        return LabrunError(id: ErrorID.unexpected, exitCode: ExitCode.failure, message: "Unexpected error: \(error).")
    }
}
