import KubernetesClient
import LabrunCore
import Testing
@testable import ScenarioEngine
@testable import ScenarioModel

/// The helpers every executor shares: choosing pods, selectors by the stack file's kind, the wait.
@Suite("ActionContext")
struct ActionContextTests {
    typealias K = KubeObjects

    func pods(_ objects: [JSONValue]) throws -> [Pod] { try objects.map { try $0.decode(Pod.self) } }

    @Test func podsAreChosenByAgeThenNameAndDeletingOnesAreNotActive() throws {
        let all = try pods([K.pod("c", created: 2), K.pod("b", created: 1), K.pod("a", created: 2), K.pod("gone", deleting: true)])
        let names = { (chosen: [Pod]) in chosen.compactMap(\.metadata.name) }
        #expect(names(ActionContext.active(all)) == ["c", "b", "a"])
        #expect(names(ActionContext.choose(all, count: 2, pick: .oldest)) == ["gone", "b"])
        #expect(names(ActionContext.choose(all, count: 2, pick: .newest)) == ["a", "c"])
        let random = ActionContext.choose(all, count: 3, pick: .random)
        #expect(Set(names(random)).count == 3)
        #expect(ActionContext.selectorString(["tier": "web", "app": "backend"]) == "app=backend,tier=web")
    }

    @Test func aSelectorIsReadFromTheKindTheStackFileGives() async throws {
        let cluster = ExecutorFixture(api: [
            "GET \(K.statefulSets)/postgres": [K.answer(K.workload("postgres", kind: "StatefulSet"))],
        ])
        #expect(try await cluster.context().selector(of: "postgres") == "app=postgres")
        #expect(cluster.paths(.get) == ["\(K.statefulSets)/postgres"])
    }

    @Test func aWorkloadMissingFromTheStackFileOrTheClusterIsNamed() async throws {
        let context = try ExecutorFixture().context()
        let unknown = await #expect(throws: LabrunError.self) { try await context.selector(of: "cache") }
        #expect(unknown?.id == ErrorID.workloadNotFound)
        #expect(unknown?.advice == "Its workloads are backend, frontend, model-service, postgres.")
        let missing = await #expect(throws: LabrunError.self) { try await context.selector(of: "backend") }
        #expect(missing?.id == ErrorID.workloadNotFound)
        #expect(missing?.message == "There is no Deployment named backend in namespace lab.")
    }

    @Test func waitingKeepsPollingWhileTheAPIServerIsUnavailable() async throws {
        let context = try ExecutorFixture().context()
        let polls = Counter()
        let at = try await context.waitUntil("the API server") {
            if polls.increment() == 1 { throw LabrunError(id: ErrorID.k8sServiceUnavailable, message: "restarting") }
            return nil
        }
        #expect(at == 0.25)
        let timedOut = await #expect(throws: LabrunError.self) {
            try await context.waitUntil("a pod", timeout: 1) { "not yet" }
        }
        #expect(timedOut?.id == ErrorID.timeout)
        #expect(timedOut?.message.hasSuffix("waiting for a pod; last seen: not yet.") == true)
        let other = await #expect(throws: LabrunError.self) {
            try await context.waitUntil("a pod") { throw LabrunError(id: ErrorID.actionFailed, message: "broken") }
        }
        #expect(other?.id == ErrorID.actionFailed)
    }
}
