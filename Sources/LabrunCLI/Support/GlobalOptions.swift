import ArgumentParser
import LabrunCore
import StackLifecycle

/// Options every command takes.
public struct GlobalOptions: ParsableArguments, Sendable {
    @Option(name: .long, help: ArgumentHelp("Cluster provider: minikube, kind, bare or existing (default: auto-detected; env LABRUN_PROVIDER).", valueName: "name"))
    public var provider: String?

    @Option(name: .long, help: ArgumentHelp("Kubeconfig file for the existing provider (default: KUBECONFIG or ~/.kube/config).", valueName: "file"))
    public var kubeconfig: String?

    @Option(name: .long, help: ArgumentHelp("Kubeconfig context for the existing provider (default: the current context).", valueName: "name"))
    public var context: String?

    @Option(name: .long, help: ArgumentHelp("Namespace of the stack.", valueName: "name"))
    public var namespace: String = "todo"

    @Flag(name: .shortAndLong, help: "Show the commands and requests labrun makes.")
    public var verbose = false

    @Flag(name: .shortAndLong, help: "Print only results and errors.")
    public var quiet = false

    public init() {}

    public func validate() throws {
        if verbose && quiet { throw ValidationError("--verbose and --quiet cannot be used together.") }
        guard LabOptions.isValidNamespace(namespace) else {
            throw ValidationError("--namespace '\(namespace)' is not a valid namespace name (lower-case letters, digits and '-', at most 63, starting and ending with a letter or digit).")
        }
    }

    var level: Console.Level { quiet ? .quiet : (verbose ? .verbose : .normal) }

    var labOptions: LabOptions {
        LabOptions(provider: provider, kubeconfig: kubeconfig, kubeContext: context, namespace: namespace)
    }
}
