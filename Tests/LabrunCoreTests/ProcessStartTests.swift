import Foundation
import LabrunCore
import Testing

/// `start` of a background process that cannot start (e.g. no `kubectl` on PATH) fails at once with
/// a clear error, instead of leaving its caller waiting for a port-forward until a timeout.
@Suite struct ProcessStartTests {
    @Test func aMissingExecutableFailsToStartWithAClearError() async throws {
        let runner = SystemProcessRunner()
        let error = await #expect(throws: LabrunError.self) {
            _ = try await runner.start(Command("labrun-no-such-tool-\(UUID().uuidString.prefix(8))", ["port-forward"]), logPath: nil)
        }
        #expect(error?.id == ErrorID.commandNotRun)
        #expect(error?.message.hasPrefix("Could not start `labrun-no-such-tool-") == true)
        #expect(error?.advice?.contains("is not installed or not on PATH") == true)
    }

    @Test func aStartedProcessRunsUntilStopped() async throws {
        let process = try await SystemProcessRunner().start(Command("/bin/sh", ["-c", "sleep 30"]), logPath: nil)
        #expect(await process.isRunning())
        await process.stop(grace: 1)
        #expect(!(await process.isRunning()))
    }
}
