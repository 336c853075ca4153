import ClusterProviders
import Foundation
import HTTPClient
import KubernetesClient
import LabrunCore

/// Stopping and starting the whole cluster, and HTTP requests as steps.
extension ClusterDriver {
    // MARK: restartCluster

    func restartCluster(_ spec: RestartClusterAction, run: RunContext) async throws -> ActionOutcome {
        guard let stopStart = provider as? any ClusterStopStart else {
            throw LabrunError(id: ErrorID.providerCannotRestart, exitCode: ExitCode.unavailable,
                              message: "The \(provider.kind) provider cannot stop and start its cluster, so restartCluster cannot run.",
                              advice: "Use the minikube, kind or bare provider for this scenario.")
        }
        let namespace = run.namespace
        let before = try await kube.list(Pod.self, namespace: namespace).items
        let containersBefore = Set(before.flatMap { $0.status?.containerStatuses ?? [] }.compactMap(\.containerID))
        run.timeline.record(.action, "cluster", "stopping the \(provider.kind) cluster")
        try await stopStart.stopCluster()
        // Landed: the API server no longer answers.
        let kube = self.kube
        let landed = try await waitUntil("the API server to stop answering", run: run, timeout: 120, interval: 0.5) {
            do { _ = try await kube.serverVersion(); return "still answering" } catch { return nil }
        }
        run.timeline.record(.faultLanded, "cluster", "API server down", at: landed)
        if spec.downFor.milliseconds > 0 { try await run.clock.sleep(seconds: spec.downFor.seconds) }
        run.timeline.record(.action, "cluster", "starting the \(provider.kind) cluster")
        try await stopStart.startCluster()
        let up = try await waitUntil("the API server to answer again", run: run, timeout: 600, interval: 1) {
            do { _ = try await kube.serverVersion(); return nil } catch { return RunFailure.describe(error) }
        }
        run.timeline.record(.recovered, "cluster", "API server answers", at: up)
        // The stack's containers are recreated (new container ids).
        let recreated = try await waitUntil("the stack's containers to be recreated", run: run, timeout: 600, interval: 1) {
            let pods = try await kube.list(Pod.self, namespace: namespace).items
            let ids = pods.flatMap { $0.status?.containerStatuses ?? [] }.compactMap(\.containerID)
            let fresh = ids.filter { !containersBefore.contains($0) }
            return fresh.isEmpty ? "no new container yet" : nil
        }
        run.timeline.record(.note, "cluster", "containers recreated", at: recreated)
        return ActionOutcome(faultLandedAt: landed, message: "cluster stopped (API down), started again after \(spec.downFor); API answers, containers recreated")
    }

    // MARK: http

    func httpAction(_ spec: HTTPAction, run: RunContext) async throws -> ActionOutcome {
        var statuses: [Int: Int] = [:]
        for number in 1...max(1, spec.repeatCount) {
            let request = spec.repeatCount > 1 || spec.request.path.contains(HTTPRequestSpec.repetitionPlaceholder)
                ? spec.request.substituting(repetition: number) : spec.request
            let response = try await send(request, run: run)
            statuses[response.status, default: 0] += 1
            let accepted = spec.expectStatus.isEmpty ? (200..<300).contains(response.status) : spec.expectStatus.contains(response.status)
            guard accepted else {
                throw LabrunError(id: ErrorID.httpUnexpectedStatus,
                                  message: "\(request.method) \(request.path) (repetition \(number)) answered \(response.status), expected \(spec.expectStatus.isEmpty ? "2xx" : spec.expectStatus.map(String.init).joined(separator: " or ")): \(String(response.text.prefix(200)))")
            }
        }
        let summary = statuses.keys.sorted().map { "\(statuses[$0] ?? 0)× \($0)" }.joined(separator: ", ")
        return ActionOutcome(message: "\(spec.request.method) \(spec.request.path): \(summary)")
    }

    /// Sends a scenario request to the Service it names.
    func send(_ spec: HTTPRequestSpec, run: RunContext, timeout: Double = 10) async throws -> HTTPResponse {
        if let refusal = try await localGuard()?.refusal() {
            throw LabrunError(id: ErrorID.httpConnect, exitCode: ExitCode.external, message: "\(spec.method) \(spec.path): \(refusal).")
        }
        let base = try url(spec.service.isEmpty ? (stack.api?.name ?? "") : spec.service, run: run)
        var headers = HTTPHeaders()
        for (name, value) in spec.headers.sorted(by: { $0.key < $1.key }) { headers.add(name, value) }
        var body: Data?
        if let json = spec.body {
            body = try json.jsonData()
            if headers["Content-Type"] == nil { headers.add("Content-Type", "application/json") }
        }
        return try await http.send(HTTPRequest(HTTPMethod(rawValue: spec.method), base + spec.path, headers: headers,
                                               body: body, timeout: timeout))
    }
}
