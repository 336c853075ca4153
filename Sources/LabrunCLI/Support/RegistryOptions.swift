import ArgumentParser
import Foundation
import LabrunCore
import StackLifecycle

/// `--registry` and `--registry-pull-secret`: for the commands that deploy the stack (`up`, `run`,
/// `all`, `labrun <scenario>`), where the cluster cannot see this host's Docker engine.
struct RegistryOptions: ParsableArguments, Sendable {
    @Option(name: .customLong("registry"),
            help: ArgumentHelp("Push the built images to this registry and deploy them from there, for a cluster that cannot see this host's Docker (a cloud cluster); log in first with `docker login HOST` (env LABRUN_REGISTRY).",
                               valueName: "host[:port][/path]"))
    var registry: String?

    @Option(name: .customLong("registry-pull-secret"),
            help: ArgumentHelp("An existing docker-registry Secret in the stack's namespace that the pods pull the images with (env LABRUN_REGISTRY_PULL_SECRET).",
                               valueName: "name"))
    var pullSecret: String?

    init() {}

    func validate() throws {
        do {
            if let registry { _ = try ImageRegistry(registry, pullSecret: pullSecret) }
        } catch let error as LabrunError {
            throw ValidationError(error.message + (error.advice.map { " " + $0 } ?? ""))
        }
    }

    /// The registry from the options, else from the environment; nil when neither names one.
    func registry(environment: [String: String]) throws -> ImageRegistry? {
        func given(_ option: String?, _ variable: String) -> (String, String)? {
            if let option { return (option, variable == "LABRUN_REGISTRY" ? "--registry" : "--registry-pull-secret") }
            return environment[variable].flatMap { $0.isEmpty ? nil : ($0, variable) }
        }
        let secret = given(pullSecret, "LABRUN_REGISTRY_PULL_SECRET")
        guard let location = given(registry, "LABRUN_REGISTRY") else {
            guard let secret else { return nil }
            throw LabrunError(id: ErrorID.registryInvalid, exitCode: ExitCode.usage,
                              message: "\(secret.1) names a pull secret, but no registry is given.",
                              advice: "Add --registry HOST[/PATH] (or LABRUN_REGISTRY), the registry the Secret logs in to.")
        }
        return try ImageRegistry(location.0, pullSecret: secret?.0, source: location.1)
    }
}
