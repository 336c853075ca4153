import Foundation
import KubernetesClient
import LabrunCore
import ScenarioModel

/// Pod logs and events saved next to the report, and the stack's known weaknesses.
extension ClusterDriver {
    public func collectDiagnostics(_ spec: CollectDiagnosticsAction, reason: String, run: RunContext) async -> [String] {
        let namespace = run.namespace
        let directory = run.artifactDirectory
        let relativeRoot = run.artifactFolder
        var written: [String] = []
        func save(_ relative: String, _ text: String) {
            let path = (directory as NSString).appendingPathComponent(relative)
            do {
                try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent,
                                                        withIntermediateDirectories: true)
                try Redactor.shared.redact(text).write(toFile: path, atomically: true, encoding: .utf8)
                let shown = relativeRoot + "/" + relative
                written.append(shown)
                run.addArtifact(shown)
            } catch {
                run.timeline.record(.error, "diagnostics", "could not write \(path): \(error)")
            }
        }
        do {
            var pods = try await kube.list(Pod.self, namespace: namespace).items
            if let target = spec.target { pods = try await context(run).pods(target) }
            if spec.logs {
                for pod in pods {
                    guard let name = pod.metadata.name else { continue }
                    for container in pod.spec?.containers ?? [] {
                        let current = (try? await kube.podLogs(name: name, namespace: namespace,
                                                               options: LogOptions(container: container.name, tailLines: 500)))
                            ?? "(no log: the container is not running)"
                        save("pods/\(name).\(container.name).log", current)
                        let restarts = pod.status?.containerStatuses?.first { $0.name == container.name }?.restartCount ?? 0
                        if restarts > 0, let previous = try? await kube.podLogs(
                            name: name, namespace: namespace, options: LogOptions(container: container.name, tailLines: 500, previous: true)) {
                            save("pods/\(name).\(container.name).previous.log", previous)
                        }
                    }
                }
            }
            if spec.events {
                let events = try await kube.list(Event.self, namespace: namespace).items.sorted {
                    ($0.lastTimestamp ?? $0.eventTime ?? "") < ($1.lastTimestamp ?? $1.eventTime ?? "")
                }
                let lines = events.map { event in
                    let object = "\(event.involvedObject?.kind ?? "?")/\(event.involvedObject?.name ?? "?")"
                    return "\(event.lastTimestamp ?? event.eventTime ?? "-")  \(event.type ?? "-")  \(object)  \(event.reason ?? "-")  ×\(event.count ?? 1)  \(event.message ?? "")"
                }
                save("events.txt", "# events in namespace \(namespace) (\(reason))\n" + lines.joined(separator: "\n") + "\n")
            }
            run.timeline.record(.note, "diagnostics", "saved \(written.count) file(s) under \(directory) (\(reason))")
        } catch {
            run.timeline.record(.error, "diagnostics", "could not collect pod logs and events: \(RunFailure.describe(error))")
        }
        return written
    }

    public func likelyCauses(_ run: RunContext) async -> [String] {
        var causes: [String] = []
        let namespace = run.namespace
        // The API (what takes the load) and the database, as the stack file names them.
        for workload in [stack.api, stack.workload(role: .database)].compactMap({ $0 }) {
            switch workload.kind {
            case .deployment:
                if let object = try? await kube.get(.deployments, name: workload.name, namespace: namespace) {
                    causes += StackHints.deploymentWeaknesses(object, name: workload.name)
                }
            case .statefulSet:
                if let object = try? await kube.get(.statefulSets, name: workload.name, namespace: namespace) {
                    causes += StackHints.statefulSetWeaknesses(object, name: workload.name)
                }
            case .daemonSet:
                break
            }
            if let service = workload.service, let object = try? await kube.get(.services, name: service.name, namespace: namespace) {
                causes += StackHints.serviceWeaknesses(object, name: service.name)
            }
        }
        return causes
    }
}
