import ScenarioModel

/// `collectDiagnostics`: saves pod logs and events next to the report through the driver's
/// diagnostics (the same ones a failed run collects), naming the step as the reason.
struct CollectDiagnosticsExecutor: ActionExecutor {
    let spec: CollectDiagnosticsAction

    func execute(in context: ActionContext) async throws -> ActionOutcome {
        let files = await context.collectDiagnostics(spec, "step \(context.step)")
        return ActionOutcome(message: "saved \(files.count) file(s)")
    }
}
