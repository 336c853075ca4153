import ClusterProviders
import LabrunCore
import LabrunTestSupport
import Testing

@Suite struct ProviderSelectorTests {
    func select(installed: Set<String> = [], environment: [String: String] = [:], isRoot: Bool = true,
                request: ProviderSelector.Request = .init()) async throws -> ProviderKind {
        let runner = RecordingProcessRunner(installed: installed)
        let selector = ProviderSelector(context: try context(runner, environment: environment, isRoot: isRoot), probe: FakeProbe())
        return try await selector.select(request).provider.kind
    }

    @Test func minikubeIsTheDefaultWhereInstalled() async throws {
        #expect(try await select(installed: ["minikube", "kind", "docker"], isRoot: false) == .minikube)
    }

    /// As root, minikube's docker driver refuses to start (DRV_AS_ROOT): detection passes over it
    /// instead of picking it and failing later.
    @Test func asRootMinikubesDockerDriverIsPassedOver() async throws {
        #expect(try await select(installed: ["minikube", "kind", "docker"], isRoot: true) == .kind)
        #expect(try await select(installed: ["minikube"], isRoot: true) == .bare)
    }

    @Test func kindComesNextThenBare() async throws {
        #expect(try await select(installed: ["kind", "docker"]) == .kind)
        #expect(try await select(installed: []) == .bare)
    }

    @Test func existingIsNeverAutoDetected() async throws {
        await #expect(throws: LabrunError.self) { try await select(installed: [], isRoot: false) }
    }

    @Test func flagBeatsEnvironmentBeatsDetection() async throws {
        #expect(try await select(installed: ["minikube"], request: .init(provider: "bare")) == .bare)
        #expect(try await select(installed: ["minikube"], environment: ["LABRUN_PROVIDER": "bare"]) == .bare)
        #expect(try await select(installed: ["minikube", "kind", "docker"], environment: ["LABRUN_PROVIDER": "bare"],
                                 request: .init(provider: "kind")) == .kind)
    }

    @Test func kubeconfigOrContextAloneMeansExisting() async throws {
        let layout = try temporaryProject()
        let runner = RecordingProcessRunner(installed: ["minikube"])
        let selector = ProviderSelector(context: try context(runner, layout: layout), probe: FakeProbe())
        let choice = try selector.explicitChoice(.init(kubeContext: "prod-like"))
        #expect(choice?.kind == .existing)
        #expect(choice?.source == "--kubeconfig/--context")
        #expect(try selector.explicitChoice(.init()) == nil)
    }

    @Test func noProviderSaysWhatWasLookedForAndHowToGetOne() async throws {
        do {
            _ = try await select(installed: [], isRoot: false)
            Issue.record("expected NO_PROVIDER")
        } catch let error as LabrunError {
            #expect(error.id == "NO_PROVIDER")
            #expect(error.exitCode == ExitCode.unavailable)
            #expect(error.message.contains("minikube: `minikube` not found on PATH"))
            #expect(error.message.contains("kind: `kind` not found on PATH"))
            #expect(error.message.contains("bare: the bare cluster needs root"))
            #expect(error.advice?.contains("--provider existing --kubeconfig") == true)
        }
    }

    @Test func unknownProviderIsAUsageError() async throws {
        do {
            _ = try await select(environment: ["LABRUN_PROVIDER": "docker-desktop"])
            Issue.record("expected PROVIDER_UNKNOWN")
        } catch let error as LabrunError {
            #expect(error.id == "PROVIDER_UNKNOWN")
            #expect(error.exitCode == ExitCode.usage)
            #expect(error.message.contains("LABRUN_PROVIDER"))
        }
    }

    @Test func anExplicitProviderThatCannotWorkSaysWhy() async throws {
        do {
            _ = try await select(installed: [], request: .init(provider: "minikube"))
            Issue.record("expected PROVIDER_UNAVAILABLE")
        } catch let error as LabrunError {
            #expect(error.id == "PROVIDER_UNAVAILABLE")
            #expect(error.message.contains("chosen by --provider"))
            #expect(error.advice?.contains("minikube.sigs.k8s.io") == true)
        }
    }

    @Test func bareNeedsLinuxAndRoot() async throws {
        let runner = RecordingProcessRunner()
        let layout = try temporaryProject()
        #expect(await BareProvider(context: try context(runner, layout: layout, isRoot: false)).detect().available == false)
        #expect(await BareProvider(context: try context(runner, layout: layout, isLinux: false)).detect().available == false)
        #expect(await BareProvider(context: try context(runner, layout: layout)).detect().available)
        let empty = ProjectLayout(root: "/nonexistent-labrun", stateDirectory: "/tmp")
        #expect(await BareProvider(context: try context(runner, layout: empty)).detect().reason.contains("missing"))
    }
}
