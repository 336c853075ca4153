import ArgumentParser
import ClusterProviders
import Foundation
import KubernetesClient
import LabrunCore
import ScenarioEngine
import StackLifecycle
import StackModel
import ScenarioModel

/// Options every command takes.
public struct GlobalOptions: ParsableArguments, Sendable {
    @Option(name: .long, help: ArgumentHelp("Cluster provider: minikube, kind, bare or existing (default: auto-detected; env LABRUN_PROVIDER).", valueName: "name"))
    public var provider: String?

    @Option(name: .long, help: ArgumentHelp("Kubeconfig file for the existing provider (default: KUBECONFIG or ~/.kube/config).", valueName: "file"))
    public var kubeconfig: String?

    @Option(name: .long, help: ArgumentHelp("Kubeconfig context for the existing provider (default: the current context).", valueName: "name"))
    public var context: String?

    @Option(name: .long, help: ArgumentHelp("The stack file, or a directory holding labrun.yaml (default: env LABRUN_STACK, else the project's stack/labrun.yaml).", valueName: "path"))
    public var stack: String?

    @Option(name: .long, help: ArgumentHelp("Namespace of the stack (default: the stack's name).", valueName: "name"))
    public var namespace: String?

    @Option(name: .long, help: ArgumentHelp("How to reach the stack from this host: nodeport, port-forward or service (minikube service --url) (default: the first that works; env LABRUN_ACCESS).", valueName: "method"))
    public var access: String?

    @Flag(name: .customLong("allow-insecure-credentials"),
          help: "Let bearer tokens and Authorization headers go over plain http:// to hosts other than this machine (a kubeconfig's API server, the stack's traffic.auth); without it such a request is refused.")
    public var allowInsecureCredentials = false

    @Flag(name: .shortAndLong, help: "Show the commands and requests labrun makes.")
    public var verbose = false

    @Flag(name: .shortAndLong, help: "Print only results and errors.")
    public var quiet = false

    public init() {}

    /// Every flag checked before anything starts (see `FlagCheck`).
    public func validate() throws {
        if verbose && quiet { throw ValidationError("--verbose and --quiet cannot be used together.") }
        if let provider {
            // An empty value used to mean auto-detection, silently.
            let known = ProviderKind.allCases.map(\.rawValue).joined(separator: ", ")
            guard !provider.isEmpty else { throw ValidationError("--provider needs a name: one of \(known); leave the flag out to auto-detect.") }
            guard ProviderKind(rawValue: provider.lowercased()) != nil else {
                throw ValidationError("--provider '\(TerminalText.quoted(provider))' is not one of: \(known).")
            }
        }
        if let kubeconfig { try FlagCheck.readableFile(kubeconfig, flag: "--kubeconfig", maxBytes: Kubeconfig.maxFileSize) }
        if let context { try FlagCheck.name(context, flag: "--context", what: "a context name") }
        if let stack, stack.isEmpty { throw ValidationError("--stack needs a path.") }
        if let access, AccessMethod(rawValue: access) == nil {
            throw ValidationError("--access '\(TerminalText.quoted(access))' is not one of: \(AccessMethod.allCases.map(\.rawValue).joined(separator: ", ")).")
        }
        if let namespace, !LabOptions.isValidNamespace(namespace) {
            throw ValidationError("--namespace '\(TerminalText.quoted(namespace))' is not a valid namespace name (lower-case letters, digits and '-', at most 63, starting and ending with a letter or digit).")
        }
    }

    var level: Console.Level { quiet ? .quiet : (verbose ? .verbose : .normal) }

    /// The options of a lab command, with the stack loaded from its file (and, for the commands that
    /// deploy, the registry).
    func labOptions(layout: ProjectLayout, registry: RegistryOptions? = nil,
                    environment: [String: String] = ProcessInfo.processInfo.environment) throws -> LabOptions {
        let access = try (self.access.map { ($0, "--access") } ?? environment["LABRUN_ACCESS"].flatMap { $0.isEmpty ? nil : ($0, "LABRUN_ACCESS") })
            .map { try AccessMethod.parse($0.0, source: $0.1) }
        return LabOptions(stack: try Self.loadStack(stack ?? environment["LABRUN_STACK"], layout: layout), provider: provider,
                          kubeconfig: kubeconfig, kubeContext: context, namespace: namespace, access: access,
                          allowInsecureCredentials: allowInsecureCredentials,
                          registry: try registry?.registry(environment: environment))
    }

    /// The stack file at `path` (a file, or a directory holding labrun.yaml; default the project's
    /// stack/labrun.yaml), validated: every error with file, line, column and key, nothing touched.
    static func loadStack(_ path: String?, layout: ProjectLayout) throws -> Stack {
        let chosen = path.map { ($0 as NSString).expandingTildeInPath } ?? layout.path("stack/" + Stack.fileName)
        do throws(ScenarioValidationError) {
            return try StackLoader().load(pathOrDirectory: chosen)
        } catch {
            throw error.stackLabrunError
        }
    }
}
