import ArgumentParser
import Foundation
import LabrunCore
import StackLifecycle

/// `labrun build`: the stack's images, built where their inputs changed; no cluster is touched.
struct BuildCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "build",
        abstract: "Build the stack's images whose inputs changed (touches no cluster).",
        discussion: """
            Each image is tagged with the hash of its inputs (images.<name>.inputs in the stack file); one \
            already present is kept. `up` and every scenario build the same way when they need to; building \
            first (in CI, before scenarios run side by side) keeps the builds off the CPU a scenario's load is \
            measured on.
            """)

    @OptionGroup var global: GlobalOptions

    func run() async throws {
        try await CommandRunner.run(global) { session in
            let stack = session.options.stack
            guard !stack.images.isEmpty else {
                session.console.result("\(stack.file) names no images to build.")
                return
            }
            try await ImageBuilder.ensureEngine(runner: session.runner, layout: session.layout)
            let builder = ImageBuilder(runner: session.runner, stack: stack, progress: { session.console.info($0) })
            let plans = try await builder.plan()
            try await builder.ensureBuilt(plans: plans)
            session.console.result(plans.map { "\($0.reference)" + ($0.present ? " (present)" : " (built)") }.joined(separator: "\n"))
        }
    }
}
