import ArgumentParser

/// `labrun run NAME…`: run the named scenarios.
struct RunCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Run the named scenarios and write the reports.",
        discussion: """
            Every file in scenarios/ is validated first; an invalid file is reported with file, line, \
            column and key, and nothing touches the cluster. The cluster is started when it does not \
            run (as `labrun up` would); each scenario then deploys its own stack in a fresh namespace \
            that is deleted afterwards (unless --keep). `labrun NAME` is short for `labrun run NAME`.
            Exit status 1 when a scenario fails; reports are written either way.
            """)

    @OptionGroup var global: GlobalOptions
    @OptionGroup var scenario: ScenarioOptions
    @OptionGroup var registry: RegistryOptions

    @Argument(help: "Scenario names, e.g. chaos-pod-kill (see `labrun list`).")
    var names: [String] = []

    func validate() throws {
        if names.isEmpty { throw ValidationError("Name at least one scenario (see `labrun list`), or use `labrun all`.") }
    }

    func run() async throws {
        try await ScenarioCommandRunner.run(names: names, global: global, options: scenario, registry: registry)
    }
}
