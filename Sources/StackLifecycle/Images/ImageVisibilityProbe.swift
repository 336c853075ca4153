import Foundation
import KubernetesClient
import LabrunCore

/// Asks the cluster whether its nodes already have the images built on this host, before the stack
/// is applied: one short-lived pod in the stack's namespace with a container per image, each with
/// `imagePullPolicy: Never`. The kubelet answers for every container: `ErrImageNeverPull` (the node
/// has no such image), or it goes on to create the container (the node has it).
///
/// Least privilege: the containers' command is a path that exists in no image, so nothing of the
/// image ever runs (the runtime refuses to start it); they run as nobody, without privileges,
/// capabilities, service-account token or Service links, with the "restricted" Pod Security profile's
/// settings and tiny resources; the pod is deleted as soon as the answer is in (and after a timeout),
/// with no grace period, and an `activeDeadlineSeconds` ends it should labrun be killed meanwhile.
/// It carries labrun's label, and lives in the stack's namespace, which `labrun down` and a
/// scenario's cleanup delete.
public struct ImageVisibilityProbe: Sendable {
    public let kube: KubernetesClient
    public let namespace: String
    public let clock: any LabClock
    /// How long to wait for the kubelet's answer (the pod must be scheduled and its sandbox made).
    public let timeout: Double

    public static let podName = "labrun-image-probe"
    public static let probeLabel = "labrun.dev/image-probe"
    /// A command no image has: the runtime fails to start it, so nothing of the image runs.
    public static let neverRun = "/labrun-image-probe-never-runs"
    /// Waiting reasons that mean the node does not have the image (or cannot get it).
    public static let notVisibleReasons: Set<String> = ["ErrImageNeverPull", "ErrImagePull", "ImagePullBackOff", "InvalidImageName", "ImageInspectError"]

    public init(kube: KubernetesClient, namespace: String, clock: any LabClock = SystemClock(), timeout: Double = 90) {
        self.kube = kube
        self.namespace = namespace
        self.clock = clock
        self.timeout = timeout
    }

    /// What the kubelet said.
    public enum Verdict: Sendable, Equatable {
        /// The node has every image.
        case visible
        /// The node lacks these images: `image (reason)` each.
        case notVisible([String])
        /// No answer (the pod could not be created or scheduled in time): why.
        case undecided(String)
    }

    /// The probe pod for `images` (local references).
    public func pod(_ images: [String]) -> JSONValue {
        let containers: [JSONValue] = images.enumerated().map { index, image in
            [
                "name": .string("image-\(index)"),
                "image": .string(image),
                "imagePullPolicy": "Never",
                "command": [.string(Self.neverRun)],
                "resources": ["requests": ["cpu": "1m", "memory": "4Mi"], "limits": ["cpu": "10m", "memory": "16Mi"]],
                "securityContext": [
                    "allowPrivilegeEscalation": false, "readOnlyRootFilesystem": true, "privileged": false,
                    "capabilities": ["drop": ["ALL"]],
                ],
            ]
        }
        return [
            "apiVersion": "v1", "kind": "Pod",
            "metadata": [
                "name": .string(Self.podName), "namespace": .string(namespace),
                "labels": .object([ManifestRenderer.managedByLabel: .string(ManifestRenderer.managedByValue), Self.probeLabel: "true"]),
            ],
            "spec": [
                "restartPolicy": "Never",
                "activeDeadlineSeconds": .number(Double(Int(timeout) + 30)),
                "terminationGracePeriodSeconds": 0,
                "automountServiceAccountToken": false,
                "enableServiceLinks": false,
                "securityContext": [
                    "runAsNonRoot": true, "runAsUser": 65534, "runAsGroup": 65534,
                    "seccompProfile": ["type": "RuntimeDefault"],
                ],
                "containers": .array(containers),
            ],
        ]
    }

    /// The verdict a pod's state gives, or nil while the kubelet has not answered for every image.
    public static func verdict(_ pod: Pod) -> Verdict? {
        let containers = pod.spec?.containers ?? []
        let statuses = pod.status?.containerStatuses ?? []
        var missing: [String] = []
        for container in containers {
            guard let status = statuses.first(where: { $0.name == container.name }), let state = status.state else { return nil }
            if state.running != nil || state.terminated != nil { continue }
            let reason = state.waiting?.reason ?? ""
            if notVisibleReasons.contains(reason) {
                missing.append("\(container.image ?? status.image ?? container.name) (\(reason))")
            } else if reason.isEmpty || reason == "ContainerCreating" || reason == "PodInitializing" {
                return nil
            }
            // Any other reason (CreateContainerError, RunContainerError, …) comes after the image was found.
        }
        if containers.isEmpty { return nil }
        return missing.isEmpty ? .visible : .notVisible(missing)
    }

    /// One line on a pod that has not answered yet (its phase and why it is not scheduled).
    static func seen(_ pod: Pod) -> String {
        var line = "pod \(pod.phase ?? "?")"
        if let unscheduled = pod.status?.conditions?.first(where: { $0.type == "PodScheduled" && !$0.isTrue }) {
            line += ", not scheduled: " + [unscheduled.reason, unscheduled.message].compactMap { $0 }.joined(separator: ": ")
        }
        let waiting = (pod.status?.containerStatuses ?? []).compactMap { $0.state?.waiting?.reason }
        if !waiting.isEmpty { line += ", containers waiting: " + Set(waiting).sorted().joined(separator: ", ") }
        return line
    }

    /// Creates the probe pod, waits for the kubelet's answer, and deletes the pod again.
    public func check(_ images: [String]) async throws -> Verdict {
        guard !images.isEmpty else { return .visible }
        // A probe an interrupted run left behind.
        try await delete()
        do {
            try await kube.create(ResourceType.pods, pod(images), namespace: namespace)
        } catch let error as LabrunError {
            return .undecided("the probe pod could not be created: \(error.message)")
        }
        let verdict: Verdict
        do {
            verdict = try await Wait(timeout: timeout, interval: 0.5, clock: clock).until("the kubelet to say whether its node has the images") { () async throws -> Poll<Verdict> in
                let pod = try await kube.get(Pod.self, name: Self.podName, namespace: namespace)
                if let verdict = Self.verdict(pod) { return .done(verdict) }
                return .pending(Self.seen(pod))
            }
        } catch let error as LabrunError where error.id == ErrorID.timeout {
            try? await delete()
            return .undecided(error.message)
        } catch {
            try? await delete()
            throw error
        }
        try await delete()
        return verdict
    }

    func delete() async throws {
        try await kube.delete(ResourceType.pods, name: Self.podName, namespace: namespace,
                              options: DeleteOptions(gracePeriodSeconds: 0, ignoreNotFound: true))
    }
}
