import ClusterProviders
import Foundation
import HTTPClient
import KubernetesClient
import LabrunCore
import LabrunTestSupport
import StackLifecycle
import StackModel
@testable import ScenarioEngine
@testable import ScenarioModel

/// One executor test's world: the todo stack, a scripted Kubernetes API, the stack's Services
/// behind a fake transport, a recording process runner, a manual clock and a run in namespace `lab`.
struct ExecutorFixture {
    static let server = "https://k8s.test:6443"

    var api: FakeHTTPTransport
    let services: FakeHTTPTransport
    let runner: RecordingProcessRunner
    let clock = ManualClock()
    let run: RunContext
    var stack = TestStacks.todo
    var provider: any ClusterProvider = FakeProvider(kind: .existing)
    var access: StackEndpoints? = StackEndpoints(entries: [.init(workload: "backend", host: "127.0.0.1", port: 8000)],
                                                 method: "fake")
    var check: @Sendable (Assertion) async -> AssertionResult = { .passed($0.name, kind: $0.kind.kindName, "ok") }
    var collectDiagnostics: @Sendable (CollectDiagnosticsAction, String) async -> [String] = { _, _ in [] }
    var credentials: RequestCredentials?

    /// A fixture whose API answers `routes` (`METHOD /path`, answers in turn, the last repeating) and
    /// whose Services answer with `services`.
    init(api routes: [String: [HTTPResponse]] = [:], runner: RecordingProcessRunner = RecordingProcessRunner(),
         services: @escaping @Sendable (HTTPRequest) -> HTTPResponse = { _ in .json(200, "{}") }) {
        api = FakeHTTPTransport(HTTPRouteScript(routes))
        self.runner = runner
        self.services = FakeHTTPTransport(handler: services)
        run = RunContext(scenario: Scenario(metadata: ScenarioMetadata(name: "executors")),
                         identity: RunIdentity(id: "t1", scenario: "executors", namespace: "lab", reusedNamespace: true),
                         options: RunOptions(reportDirectory: Self.reportDirectory()), clock: RunClock(base: clock))
    }

    /// A report folder of the fixture's own: tests run side by side, and what one writes (a stressor's
    /// log) must not be another's.
    static func reportDirectory() -> String {
        (NSTemporaryDirectory() as NSString).appendingPathComponent("labrun-executors-\(UUID().uuidString)")
    }

    /// The context the executors get, for step `step`.
    func context(step: String = "step") throws -> ActionContext {
        let kube = try KubernetesClient(configuration: KubernetesConfiguration(server: Self.server, namespace: "lab"),
                                        http: api, clock: clock)
        return ActionContext(stack: stack, kube: kube, provider: provider, runner: runner, run: run, step: step,
                             http: services, access: access, check: check, collectDiagnostics: collectDiagnostics,
                             credentials: credentials)
    }

    /// Runs `action`'s executor.
    func perform(_ action: Action, step: String = "step") async throws -> ActionOutcome {
        try await action.executor.execute(in: context(step: step))
    }

    /// The API requests so far, as `METHOD /path?query`.
    var calls: [String] { api.requests.map { "\($0.method) " + $0.url.dropFirst(Self.server.count) } }

    /// The API requests so far with this method, as `/path?query`.
    func paths(_ method: HTTPMethod) -> [String] {
        api.requests.filter { $0.method == method }.map { String($0.url.dropFirst(Self.server.count)) }
    }

    /// The timeline so far, as `subject: detail`.
    var timeline: [String] { run.timeline.all.map { "\($0.subject): \($0.detail)" } }
}
