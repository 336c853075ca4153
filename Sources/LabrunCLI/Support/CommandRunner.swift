import ArgumentParser
import ClusterProviders
import Foundation
import LabrunCore
import StackLifecycle

/// Runs a command's work: builds the console and process runner, turns Ctrl-C and SIGTERM into
/// cancellation (the work's cleanup runs), and turns a `LabrunError` into `error: …`, advice and
/// the error's exit code.
enum CommandRunner {
    static func run(_ options: GlobalOptions, registry: RegistryOptions? = nil,
                    _ body: @escaping @Sendable (LabSession) async throws -> Void) async throws {
        let console = Console(level: options.level)
        let runner = SystemProcessRunner(trace: options.verbose ? { @Sendable line in console.debug(line) } : nil)
        let work = Task { () async throws -> Void in
            let layout = try ProjectLayout.discover()
            let session = LabSession(options: try options.labOptions(layout: layout, registry: registry), console: console, runner: runner, layout: layout)
            try await body(session)
        }
        let trap = SignalTrap { signal, count in
            if count == 1 {
                console.warn("\(signal == SIGINT ? "Ctrl-C" : "SIGTERM"): stopping and cleaning up (press Ctrl-C again to quit at once)")
                work.cancel()
            } else {
                console.warn("quitting without cleanup")
                exit(LabrunCore.ExitCode.interrupted)
            }
        }
        let result = await work.result
        trap.remove()
        switch result {
        case .success:
            return
        case .failure(let error):
            let labrunError = LabSession.describe(error, interrupted: trap.fired)
            report(labrunError, console: console)
            throw ArgumentParser.ExitCode(labrunError.exitCode)
        }
    }

    static func report(_ error: LabrunError, console: Console) {
        console.error(error)
        if let detail = error.debugDetail, !detail.isEmpty {
            console.debug("detail:\n" + detail)
        }
    }
}
