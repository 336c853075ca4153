import KubernetesClient
import LabrunCore
import ScenarioModel

/// `restartPostgres`: deletes the pod of the workload with role `database`, keeping its volume;
/// landed when the pod is terminating, done when a pod with a new UID is ready with the same claims.
struct RestartDatabaseExecutor: ActionExecutor {
    let spec: RestartPostgresAction

    func execute(in context: ActionContext) async throws -> ActionOutcome {
        let namespace = context.namespace
        let kube = context.kube
        let run = context.run
        guard let database = context.stack.workload(role: .database)?.name else {
            throw LabrunError(id: ErrorID.actionNoTarget, exitCode: ExitCode.invalidInput,
                              message: "restartPostgres restarts the stack's database, but \(context.stack.file) gives no workload the role database.")
        }
        let before = ActionContext.active(try await context.pods(.workload(database)))
        guard let pod = before.first, let name = pod.metadata.name, let uid = pod.metadata.uid else {
            throw LabrunError(id: ErrorID.actionNoTarget, message: "restartPostgres found no running pod of \(database) in \(namespace).")
        }
        let claims = Self.claimNames(pod)
        if claims.isEmpty { Self.noteMissingVolume(of: database, pod: name, lostWhen: "the pod is replaced", run: run) }
        try await kube.delete(Pod.self, name: name, namespace: namespace,
                              options: DeleteOptions(gracePeriodSeconds: spec.force ? 0 : nil))
        run.timeline.record(.action, name, "deleted\(spec.force ? " (forced)" : "") keeping \(claims.isEmpty ? "no volume" : claims.joined(separator: ", "))")
        // Landed: the old pod is terminating (the database is going down) — recovery counts from here.
        let landed = try await context.waitUntil("\(database) pod \(name) to start terminating", timeout: 60) {
            do {
                let now = try await kube.get(Pod.self, name: name, namespace: namespace)
                return now.metadata.uid != uid || now.metadata.deletionTimestamp != nil ? nil : "not yet terminating"
            } catch let error as LabrunError where error.isNotFound {
                return nil
            }
        }
        _ = try await context.waitUntil("\(database) pod \(name) to be replaced (new UID)", timeout: 180) {
            do {
                let now = try await kube.get(Pod.self, name: name, namespace: namespace)
                return now.metadata.uid == uid ? "old pod still terminating" : nil
            } catch let error as LabrunError where error.isNotFound {
                return "gone, not yet recreated"
            }
        }
        let ready = try await context.waitUntil("\(database) pod \(name) to be ready again", timeout: 300) {
            let now = try await kube.get(Pod.self, name: name, namespace: namespace)
            return now.isReady && now.metadata.uid != uid ? nil : "not ready"
        }
        let after = try await kube.get(Pod.self, name: name, namespace: namespace)
        let sameClaims = Self.claimNames(after) == claims
        if !sameClaims { throw LabrunError(id: ErrorID.volumeChanged, message: "\(database) came back with volume(s) \(Self.claimNames(after)), not \(claims).") }
        return ActionOutcome(faultLandedAt: landed, readyAt: ready,
                             message: "\(database) pod \(name) replaced (new UID), \(claims.isEmpty ? "no volume" : "same volume " + claims.joined(separator: ", ")), ready")
    }

    /// Notes, before a restart, that the database's pod mounts no PersistentVolumeClaim: the likely
    /// cause when its data is gone afterwards.
    static func noteMissingVolume(of database: String, pod: String, lostWhen: String, run: RunContext) {
        run.addLikelyCause("\(database) has no persistent volume (its pod mounts no PersistentVolumeClaim), so its data lives in the pod and is lost when \(lostWhen)")
        run.timeline.record(.note, pod, "\(database) mounts no PersistentVolumeClaim: its data will not survive the restart")
    }

    /// The PersistentVolumeClaims a pod mounts, sorted.
    static func claimNames(_ pod: Pod) -> [String] {
        (pod.spec?.volumes ?? []).compactMap { $0.value(at: "persistentVolumeClaim.claimName")?.stringValue }.sorted()
    }
}
