import ArgumentParser
import Foundation
import LabrunCore
import ScenarioEngine
import StackLifecycle
import ScenarioModel

/// `labrun list`: the scenario catalogue (validated; touches no cluster).
struct ListCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "list",
        abstract: "List the scenarios with their descriptions and labels.",
        discussion: "Reads scenarios/ (or --scenario-dir) and validates every file; an invalid one is reported with file, line, column and key (exit 65).")

    @OptionGroup var global: GlobalOptions
    @OptionGroup var source: ScenarioSource

    func run() async throws {
        try await CommandRunner.run(global) { session in
            let catalog = try ScenarioCommandRunner.catalog(source.suite(session))
            session.console.result(catalog.table)
        }
    }
}
