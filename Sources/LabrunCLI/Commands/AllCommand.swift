import ArgumentParser

/// `labrun all`: not yet available (the scenario engine is not wired in).
struct AllCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "all",
        abstract: "Run every scenario and write the reports. (Not yet available.)")

    @OptionGroup var global: GlobalOptions

    func run() async throws {
        CommandRunner.report(ScenarioCommands.notYetAvailable("all"), console: .init(level: global.level))
        throw ExitCode(ScenarioCommands.notYetAvailable("all").exitCode)
    }
}
