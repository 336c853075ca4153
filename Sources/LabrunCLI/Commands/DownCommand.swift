import ArgumentParser
import StackLifecycle

/// `labrun down`: the stack, then the cluster if labrun started it.
struct DownCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "down",
        abstract: "Remove the stack, then stop the cluster if labrun started it.",
        discussion: """
            Deletes the stack's namespace and waits until it is gone, stops processes labrun left \
            running, then stops (or deletes) the cluster only when labrun started (or created) it. \
            A cluster labrun found running is never stopped. Only a namespace labrun made (labelled \
            app.kubernetes.io/managed-by=labrun) is deleted unless --force; default, kube-system, \
            kube-public and kube-node-lease never are.
            """)

    @OptionGroup var global: GlobalOptions

    @Flag(name: .long, help: "Leave the cluster running even if labrun started it.")
    var keepCluster = false

    @Flag(name: .long, help: "Delete the namespace even if labrun did not make it (it lacks the app.kubernetes.io/managed-by=labrun label).")
    var force = false

    func run() async throws {
        let keep = keepCluster
        let force = force
        try await CommandRunner.run(global) { session in
            try await session.down(keepCluster: keep, force: force)
        }
    }
}
