import Foundation
import LabrunTestSupport
import LabrunCore
import StackLifecycle
import StackModel
import Testing
@testable import ScenarioEngine
@testable import ScenarioModel

/// What `labrun init` writes is a valid stack file as written, so a team can `labrun up` at once.
@Suite struct InitDraftTests {
    /// Runs where kustomize is installed (and always under LABRUN_REQUIRE_INTEGRATION=1); else shown as skipped.
    @Test(.enabled(if: SystemProcessRunner().which("kustomize") != nil
                   || ProcessInfo.processInfo.environment["LABRUN_REQUIRE_INTEGRATION"] == "1",
                   "kustomize is not installed (scripts/install-kustomize.sh)"))
    func theDraftOfTheProjectsManifestsParses() async throws {
        let copy = FileManager.default.temporaryDirectory.appendingPathComponent("labrun-init-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: copy) }
        try FileManager.default.createDirectory(atPath: copy, withIntermediateDirectories: true)
        try TestManifests.copy(TestPaths.repositoryRoot + "/kubernetes", to: copy + "/kubernetes")
        let objects = try await KustomizeRenderer(runner: SystemProcessRunner()).render(copy + "/kubernetes")
        let text = StackFileDraft(name: "todo", source: .kustomize(directory: "kubernetes"), objects: objects).render()
        let parsed = StackParser().parse(yaml: text, file: "labrun.yaml", absolutePath: copy + "/labrun.yaml")
        guard case .success(let stack) = parsed else {
            Issue.record("the draft does not parse:\n\(text)\n\(parsed)")
            return
        }
        #expect(stack.api?.name == "backend", "the workload with a Service and a readiness probe")
        #expect(stack.workload(role: .database)?.name == "postgres")
        // The version is baked into the image, not set in the manifests: the draft asks for it.
        #expect(stack.workload("backend")?.version == nil)
        #expect(text.contains("# version: {env: TODO}"))
        #expect(stack.images.map(\.repository) == ["labrun/todo-backend", "labrun/todo-frontend", "labrun/todo-model-service", "labrun/todo-postgres"])
    }
}
