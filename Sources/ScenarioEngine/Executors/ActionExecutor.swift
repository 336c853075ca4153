import ScenarioModel

/// One action kind's logic over the shared `ActionContext`: performs the action, verifies that its
/// fault landed and says when (like kind's `actions.Action` and chainsaw's operations).
///
/// Each conforming type holds its action's spec and lives in a file named for it.
protocol ActionExecutor: Sendable {
    /// Performs the action; throws when it failed or its fault could not be verified.
    func execute(in context: ActionContext) async throws -> ActionOutcome
}

extension Action {
    /// The executor of this action, holding its spec. The one place that maps an action kind to
    /// its executor: a new kind is a new executor file and one line here.
    var executor: any ActionExecutor {
        switch self {
        case .deletePod(let spec): return DeletePodExecutor(spec: spec)
        case .killContainer(let spec): return KillContainerExecutor(spec: spec)
        case .freeze(let spec): return FreezeExecutor(spec: spec)
        case .stress(let spec): return StressExecutor(spec: spec)
        case .fillVolume(let spec): return FillVolumeExecutor(spec: spec)
        case .rollingUpdate(let spec): return RollingUpdateExecutor(spec: spec)
        case .scale(let spec): return ScaleExecutor(spec: spec)
        case .restartPostgres(let spec): return RestartDatabaseExecutor(spec: spec)
        case .restartCluster(let spec): return RestartClusterExecutor(spec: spec)
        case .networkFault(let spec): return NetworkFaultExecutor(spec: spec)
        case .nodeFault(let spec): return NodeFaultExecutor(spec: spec)
        case .wait(let spec): return WaitExecutor(spec: spec)
        case .http(let spec): return HTTPActionExecutor(spec: spec)
        case .collectDiagnostics(let spec): return CollectDiagnosticsExecutor(spec: spec)
        }
    }
}
