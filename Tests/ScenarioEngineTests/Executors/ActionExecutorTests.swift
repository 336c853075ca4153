import Testing
@testable import ScenarioEngine
@testable import ScenarioModel

@Suite("Action → executor")
struct ActionExecutorTests {
    /// The executor each action kind maps to.
    static let expected: [String: any ActionExecutor.Type] = [
        "deletePod": DeletePodExecutor.self, "killContainer": KillContainerExecutor.self,
        "freeze": FreezeExecutor.self, "stress": StressExecutor.self, "fillVolume": FillVolumeExecutor.self, "rollingUpdate": RollingUpdateExecutor.self, "scale": ScaleExecutor.self,
        "restartPostgres": RestartDatabaseExecutor.self, "restartCluster": RestartClusterExecutor.self,
        "networkFault": NetworkFaultExecutor.self, "nodeFault": NodeFaultExecutor.self, "wait": WaitExecutor.self, "http": HTTPActionExecutor.self,
        "collectDiagnostics": CollectDiagnosticsExecutor.self,
    ]

    @Test func everyActionKindHasItsOwnExecutor() throws {
        #expect(Set(Self.expected.keys) == Set(Action.kindNames))
        #expect(Set(Self.expected.values.map { ObjectIdentifier($0) }).count == Action.kindNames.count)
    }

    @Test func everyActionOfTheEveryActionFixtureMapsToItsKindsExecutorHoldingItsSpec() throws {
        let scenario = try ScenarioLoader(stack: TestStacks.todo).load(file: TestPaths.fixtures + "/valid/every-action.yaml",
                                                                       displayPath: "valid/every-action.yaml")
        let actions = scenario.steps.flatMap { ($0.tryOperations + $0.catchOperations + $0.finallyOperations).map(\.action) }
        #expect(Set(actions.map(\.kindName)) == Set(Action.kindNames))
        for action in actions {
            let executor = action.executor
            #expect(type(of: executor) == Self.expected[action.kindName], "\(action.kindName)")
            #expect(Self.spec(of: executor) == action, "\(action.kindName)")
        }
    }

    /// The action an executor was made from, rebuilt from the spec it holds.
    static func spec(of executor: any ActionExecutor) -> Action? {
        switch executor {
        case let executor as DeletePodExecutor: return .deletePod(executor.spec)
        case let executor as KillContainerExecutor: return .killContainer(executor.spec)
        case let executor as FreezeExecutor: return .freeze(executor.spec)
        case let executor as StressExecutor: return .stress(executor.spec)
        case let executor as FillVolumeExecutor: return .fillVolume(executor.spec)
        case let executor as RollingUpdateExecutor: return .rollingUpdate(executor.spec)
        case let executor as ScaleExecutor: return .scale(executor.spec)
        case let executor as RestartDatabaseExecutor: return .restartPostgres(executor.spec)
        case let executor as RestartClusterExecutor: return .restartCluster(executor.spec)
        case let executor as NetworkFaultExecutor: return .networkFault(executor.spec)
        case let executor as NodeFaultExecutor: return .nodeFault(executor.spec)
        case let executor as WaitExecutor: return .wait(executor.spec)
        case let executor as HTTPActionExecutor: return .http(executor.spec)
        case let executor as CollectDiagnosticsExecutor: return .collectDiagnostics(executor.spec)
        default: return nil
        }
    }
}
