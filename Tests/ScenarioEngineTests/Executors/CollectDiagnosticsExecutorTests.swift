import Testing
@testable import ScenarioEngine
@testable import ScenarioModel

@Suite("CollectDiagnosticsExecutor")
struct CollectDiagnosticsExecutorTests {
    @Test func savesThroughTheDriversDiagnosticsNamingTheStep() async throws {
        let asked = Recorder()
        var cluster = ExecutorFixture()
        cluster.collectDiagnostics = { spec, reason in
            asked.add("\(spec.logs) \(spec.events) \(reason)")
            return ["executors/events.txt", "executors/pods/a.backend.log"]
        }
        let outcome = try await cluster.perform(.collectDiagnostics(CollectDiagnosticsAction(events: false)), step: "crash")
        #expect(asked.entries == ["true false step crash"])
        #expect(outcome.message == "saved 2 file(s)")
        #expect(outcome.faultLandedAt == nil && outcome.readyAt == nil)
    }
}
