import ScenarioModel

/// `wait`: a fixed time on the run's clock, or a condition (a workload ready, a rollout finished,
/// an HTTP check passing, a replica count an autoscaler reached) polled until it holds.
struct WaitExecutor: ActionExecutor {
    let spec: WaitAction

    func execute(in context: ActionContext) async throws -> ActionOutcome {
        switch spec {
        case .duration(let length):
            try await context.run.clock.sleep(seconds: length.seconds)
            return ActionOutcome(message: "waited \(length)")
        case .condition(.workloadReady(let workload)):
            let at = try await context.waitUntil("\(workload) to have every replica ready") {
                try await context.workloadNotReady(workload)
            }
            return ActionOutcome(readyAt: at, message: "\(workload) ready")
        case .condition(.rolloutComplete(let workload)):
            let at = try await context.waitUntil("the rollout of \(workload) to finish") {
                try await context.rolloutNotComplete(workload)
            }
            return ActionOutcome(readyAt: at, message: "\(workload) rolled out")
        case .condition(.replicas(let bounds)):
            let at = try await context.waitUntil("\(bounds.workload) to have \(bounds.wanted)") {
                let pods = try await context.pods(.workload(bounds.workload))
                let active = ActionContext.active(pods)
                guard let unmet = bounds.unmet(ready: active.filter(\.isReady).count, present: pods.count) else { return nil }
                // What the autoscaler says, so that a scale that never comes names its cause.
                let scalers = (try? await context.autoscalerStates(of: bounds.workload)) ?? []
                return ([unmet] + scalers).joined(separator: "; ")
            }
            let ready = ActionContext.active(try await context.pods(.workload(bounds.workload))).filter(\.isReady).count
            return ActionOutcome(readyAt: at, message: "\(bounds.workload) has \(bounds.wanted) (\(ready) ready)")
        case .condition(.http(let check)):
            let assertion = Assertion(.http(HTTPAssertion(check: check)))
            let at = try await context.waitUntil("\(check.request.method) \(check.request.path) to answer as expected", interval: 0.5) {
                let result = await context.check(assertion)
                return result.verdict == .passed ? nil : result.message
            }
            return ActionOutcome(readyAt: at, message: "\(check.request.method) \(check.request.path) answers")
        }
    }
}
