import ArgumentParser
import LabrunCore

/// What `list`, `run` and `all` say until the scenario engine is wired into the CLI.
enum ScenarioCommands {
    static func notYetAvailable(_ command: String) -> LabrunError {
        LabrunError(
            id: "NOT_AVAILABLE", exitCode: ExitCode.unavailable,
            message: "`labrun \(command)` is not yet available: the scenario engine is not wired into this build of the CLI.",
            advice: "Use `labrun up`, `labrun status` and `labrun down` for now; scenarios come with the scenario engine.")
    }
}
