import ArgumentParser

/// `labrun all`: run every scenario.
struct AllCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "all",
        abstract: "Run every scenario (or those with --label) and write the reports.",
        discussion: "Like `labrun run` with every scenario in scenarios/, in file-name order.")

    @OptionGroup var global: GlobalOptions
    @OptionGroup var scenario: ScenarioOptions
    @OptionGroup var registry: RegistryOptions

    func run() async throws {
        try await ScenarioCommandRunner.run(names: [], global: global, options: scenario, registry: registry)
    }
}
