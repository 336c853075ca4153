import ArgumentParser
import StackLifecycle

/// `labrun up`: cluster and stack, idempotent.
struct UpCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "up",
        abstract: "Bring up the cluster and the stack (idempotent: a second run changes nothing).",
        discussion: """
            Steps: start the cluster (unless it runs), build the images (tagged by a hash of their \
            inputs; skipped when built), load them into the cluster where the provider needs it, \
            render the stack file's manifests (kustomize or Helm) and apply them, wait for every \
            workload to be ready, and print the \
            URLs that reach the stack's Services from this host.

            A cloud cluster (--provider existing) cannot see the images built here: give --registry \
            HOST[/PATH] to push them there (after `docker login HOST`) and deploy them from it, with \
            --registry-pull-secret NAME for a private registry (create the Secret in the namespace \
            first: `kubectl create secret docker-registry NAME --docker-server=HOST \
            --docker-username=USER --docker-password=… -n NAMESPACE`). Without a registry, labrun asks \
            the cluster first, with a probe pod that runs nothing, whether its nodes have the images, \
            and refuses to deploy when they do not (IMAGES_NOT_VISIBLE).

            Ctrl-C or SIGTERM stops the step under way and cleans up: a namespace this run created \
            is deleted; a cluster this run started is left running and recorded, so `labrun down` \
            stops it.
            """)

    @OptionGroup var global: GlobalOptions
    @OptionGroup var registry: RegistryOptions

    func run() async throws {
        try await CommandRunner.run(global, registry: registry) { session in
            let result = try await session.up()
            session.console.result(result.summary)
        }
    }
}
