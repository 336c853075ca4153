import ArgumentParser

/// `labrun list`: not yet available (the scenario engine is not wired in).
struct ListCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "list",
        abstract: "List the scenarios in scenarios/. (Not yet available.)")

    @OptionGroup var global: GlobalOptions

    func run() async throws {
        CommandRunner.report(ScenarioCommands.notYetAvailable("list"), console: .init(level: global.level))
        throw ExitCode(ScenarioCommands.notYetAvailable("list").exitCode)
    }
}
