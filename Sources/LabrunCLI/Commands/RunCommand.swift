import ArgumentParser

/// `labrun run`: not yet available (the scenario engine is not wired in).
struct RunCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Run the named scenarios. (Not yet available.)")

    @OptionGroup var global: GlobalOptions

    @Argument(help: "Scenario names, e.g. chaos-pod-kill.")
    var names: [String] = []

    func run() async throws {
        CommandRunner.report(ScenarioCommands.notYetAvailable("run"), console: .init(level: global.level))
        throw ExitCode(ScenarioCommands.notYetAvailable("run").exitCode)
    }
}
