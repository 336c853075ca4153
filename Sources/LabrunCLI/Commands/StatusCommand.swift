import ArgumentParser
import LabrunCore
import StackLifecycle

/// `labrun status`: provider, nodes, workloads, versions, restarts and leftovers.
struct StatusCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status",
        abstract: "Show the provider, nodes, each workload (ready/desired, versions, restarts) and leftovers.",
        discussion: "Exits 0 when everything is ready, 1 otherwise. Changes nothing.")

    @OptionGroup var global: GlobalOptions

    func run() async throws {
        try await CommandRunner.run(global) { session in
            let report = try await session.status()
            session.console.result(StatusRenderer().render(report))
            if !report.allReady {
                // A kubeconfig, TLS or credentials problem says so, with its own advice: `labrun up` would not help.
                if let blocking = report.blocking { throw blocking }
                throw LabrunError(id: ErrorID.notReady, exitCode: ExitCode.failure,
                                  message: "The lab is not (fully) up; see the status above.",
                                  advice: "Run `labrun up` to bring it up.")
            }
        }
    }
}
