import ScenarioModel

/// `wait`: a fixed time on the run's clock, or a condition (a workload ready, a rollout finished,
/// an HTTP check passing) polled until it holds.
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
