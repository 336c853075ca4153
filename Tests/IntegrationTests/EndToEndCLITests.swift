import Foundation
import LabrunCore
import Testing

/// Runs the real `labrun` binary (built next to the test bundle by `swift build --build-tests`)
/// and checks what a user sees: help text, exit codes, and the sentence-like errors.
@Suite struct EndToEndCLITests {
    /// The `labrun` executable in the build directory, if it was built.
    static var binary: String? {
        let here = Bundle.main.bundleURL
        for directory in [here, here.deletingLastPathComponent()] {
            let candidate = directory.appendingPathComponent("labrun").path
            // The compiled executable, not the repository's `./labrun` wrapper script.
            guard FileManager.default.isExecutableFile(atPath: candidate),
                  let head = FileManager.default.contents(atPath: candidate)?.prefix(4),
                  Array(head) == [0x7F, 0x45, 0x4C, 0x46] || Array(head) == [0xCF, 0xFA, 0xED, 0xFE] else { continue }
            return candidate
        }
        return nil
    }

    static let skipReason: Comment = "EndToEndCLITests skipped: no `labrun` executable next to the test bundle (build it with `swift build --build-tests`)."

    func run(_ arguments: [String]) async throws -> ProcessOutput {
        let binary = try #require(Self.binary)
        return try await SystemProcessRunner().run(Command(binary, arguments, environment: ["NO_COLOR": "1", "LABRUN_PROVIDER": ""], timeout: 60))
    }

    @Test(.enabled(if: EndToEndCLITests.binary != nil, EndToEndCLITests.skipReason))
    func helpListsEveryCommand() async throws {
        let help = try await run(["--help"])
        #expect(help.exitCode == 0)
        for command in ["up", "down", "status", "list", "run", "all"] {
            #expect(help.standardOutput.contains("\n  \(command) "), "help does not list \(command)")
        }
        #expect(help.standardOutput.contains("Exit codes: 0 ok"))
        let up = try await run(["up", "--help"])
        #expect(up.standardOutput.contains("--provider <name>") && up.standardOutput.contains("--keep-cluster") == false)
    }

    @Test(.enabled(if: EndToEndCLITests.binary != nil, EndToEndCLITests.skipReason))
    func errorsHaveStableExitCodesAndAdvice() async throws {
        let list = try await run(["list"])
        #expect(list.exitCode == 0)
        #expect(list.standardOutput.contains("chaos-rolling-update"))
        let unknownScenario = try await run(["run", "chaos-pod-kil"])
        #expect(unknownScenario.exitCode == 64)
        #expect(unknownScenario.standardError.contains("Did you mean chaos-pod-kill"))
        let usage = try await run(["up", "--namespace", "Not_Valid"])
        #expect(usage.exitCode == 64)
        #expect(usage.standardError.contains("is not a valid namespace name"))
        let unknown = try await run(["status", "--provider", "docker-desktop"])
        #expect(unknown.exitCode == 64)
        #expect(unknown.standardError.contains("--provider 'docker-desktop' is not one of: minikube, kind, bare, existing"))
        let missingDirectory = try await run(["list", "--scenario-dir", "/nonexistent-labrun-scenarios"])
        #expect(missingDirectory.exitCode == 64)
        #expect(missingDirectory.standardError.contains("--scenario-dir '/nonexistent-labrun-scenarios' does not exist."))
    }
}
