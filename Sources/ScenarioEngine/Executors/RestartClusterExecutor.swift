import ClusterProviders
import KubernetesClient
import LabrunCore
import ScenarioModel

/// `restartCluster`: stops the whole cluster through its provider, keeps it down for `downFor`,
/// starts it again; landed when the API server stops answering, done when the stack's containers
/// are recreated.
struct RestartClusterExecutor: ActionExecutor {
    let spec: RestartClusterAction

    func execute(in context: ActionContext) async throws -> ActionOutcome {
        let provider = context.provider
        let run = context.run
        guard let stopStart = provider as? any ClusterStopStart else {
            throw LabrunError(id: ErrorID.providerCannotRestart, exitCode: ExitCode.unavailable,
                              message: "The \(provider.kind) provider cannot stop and start its cluster, so restartCluster cannot run.",
                              advice: "Use the minikube, kind or bare provider for this scenario.")
        }
        let namespace = context.namespace
        let kube = context.kube
        let before = try await kube.list(Pod.self, namespace: namespace).items
        let containersBefore = Set(before.flatMap { $0.status?.containerStatuses ?? [] }.compactMap(\.containerID))
        // Stopping the cluster deletes every pod: a database without a volume claim loses its data.
        if let database = context.stack.workload(role: .database)?.name,
           let pod = ActionContext.active((try? await context.pods(.workload(database))) ?? []).first,
           RestartDatabaseExecutor.claimNames(pod).isEmpty {
            RestartDatabaseExecutor.noteMissingVolume(of: database, pod: pod.metadata.name ?? database,
                                                      lostWhen: "the cluster restarts (stopping it deletes every pod)", run: run)
        }
        run.timeline.record(.action, "cluster", "stopping the \(provider.kind) cluster")
        try await stopStart.stopCluster()
        // Landed: the API server no longer answers.
        let landed = try await context.waitUntil("the API server to stop answering", timeout: 120, interval: 0.5) {
            do { _ = try await kube.serverVersion(); return "still answering" } catch { return nil }
        }
        run.timeline.record(.faultLanded, "cluster", "API server down", at: landed)
        if spec.downFor.milliseconds > 0 { try await run.clock.sleep(seconds: spec.downFor.seconds) }
        run.timeline.record(.action, "cluster", "starting the \(provider.kind) cluster")
        try await stopStart.startCluster()
        let up = try await context.waitUntil("the API server to answer again", timeout: 600, interval: 1) {
            do { _ = try await kube.serverVersion(); return nil } catch { return RunFailure.describe(error) }
        }
        run.timeline.record(.recovered, "cluster", "API server answers", at: up)
        // The stack's containers are recreated (new container ids).
        let recreated = try await context.waitUntil("the stack's containers to be recreated", timeout: 600, interval: 1) {
            let pods = try await kube.list(Pod.self, namespace: namespace).items
            let ids = pods.flatMap { $0.status?.containerStatuses ?? [] }.compactMap(\.containerID)
            let fresh = ids.filter { !containersBefore.contains($0) }
            return fresh.isEmpty ? "no new container yet" : nil
        }
        run.timeline.record(.note, "cluster", "containers recreated", at: recreated)
        return ActionOutcome(faultLandedAt: landed, message: "cluster stopped (API down), started again after \(spec.downFor); API answers, containers recreated")
    }
}
