import ArgumentParser

/// The `labrun` command: a local cluster lab and end-to-end test harness.
public struct LabrunCommand: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "labrun",
        abstract: "A local cluster lab: bring up Kubernetes and a stack described by its stack file, run chaos scenarios against it.",
        discussion: """
            The stack under test is described by its stack file: --stack PATH (or LABRUN_STACK; default \
            the project's stack/labrun.yaml, the todo app). `labrun init` writes a first one for an \
            existing kustomization or Helm chart; see specs/stack-format.md.

            Cluster providers: minikube (the default where it is installed), kind, bare (Kubernetes on \
            this Linux host, one to four nodes, root only) and existing (a kubeconfig context labrun never \
            creates or deletes). Choose one with --provider or LABRUN_PROVIDER; otherwise labrun picks \
            the first available of minikube, kind, bare.

            Every scenario is also a command of its own: `labrun chaos-rolling-update` is short for \
            `labrun run chaos-rolling-update` (see `labrun list`).

            Exit codes: 0 ok, 1 failed, 2 a fault did not land (nothing proven), 64 usage, 65 invalid \
            input, 69 unavailable, 70 external failure, 75 timeout, 130 interrupted.
            """,
        version: "0.1.0",
        subcommands: [UpCommand.self, DownCommand.self, StatusCommand.self, InitCommand.self,
                      ListCommand.self, BuildCommand.self, RunCommand.self, AllCommand.self, CompareCommand.self, BaselineCommand.self])

    public init() {}
}

extension LabrunCommand {
    /// Parses the process's arguments and runs the chosen command (what `AsyncParsableCommand.main()`
    /// does; spelled out because top-level code resolves `main()` to the synchronous overload).
    public static func runMain(_ arguments: [String]? = nil) async {
        do {
            let arguments = ScenarioShortcut.expand(arguments ?? Array(CommandLine.arguments.dropFirst()))
            var command = try parseAsRoot(arguments)
            if var asyncCommand = command as? any AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
        } catch {
            exit(withError: error)
        }
    }
}
