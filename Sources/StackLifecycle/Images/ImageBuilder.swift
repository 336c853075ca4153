import ClusterProviders
import Foundation
import LabrunCore
import StackModel

/// Builds a stack's images as its stack file says, tagged by the hash of their inputs, and skips
/// every image whose tag already exists in Docker.
public struct ImageBuilder: Sendable {
    public let runner: any ProcessRunner
    public let stack: Stack
    public let inputs: ImageInputs
    /// Progress lines (nil keeps quiet).
    public let progress: (@Sendable (String) -> Void)?

    public init(runner: any ProcessRunner, stack: Stack, progress: (@Sendable (String) -> Void)? = nil) {
        self.runner = runner
        self.stack = stack
        self.inputs = ImageInputs(root: stack.root)
        self.progress = progress
    }

    /// One image: what it is called and whether it must be built.
    public struct Plan: Sendable, Equatable {
        public var image: StackImage
        public var tag: String
        public var reference: String { "\(image.repository):\(tag)" }
        public var present: Bool
    }

    public func inspectCommand(_ reference: String) -> Command {
        Command("docker", ["image", "inspect", "--format", "{{.Id}}", reference], timeout: 60)
    }

    /// The command that builds `image` as `repository:tag`, run from the stack's root.
    public func buildCommand(_ image: StackImage, tag: String) -> Command {
        let reference = "\(image.repository):\(tag)"
        switch image.build {
        case .command(let argv):
            let values = ["tag": tag, "image": reference, "repository": image.repository]
            return StackCommand.make(argv.map { Placeholders.substitute($0, values) }, stack: stack, timeout: 3600)
        case .dockerfile(let context, let dockerfile, let args):
            var arguments = ["build", "--file", stack.path(dockerfile), "--tag", reference]
            for key in args.keys.sorted() { arguments += ["--build-arg", "\(key)=\(args[key] ?? "")"] }
            return Command("docker", arguments + [stack.path(context)], workingDirectory: stack.root, timeout: 3600)
        }
    }

    /// Starts the project's Docker engine when it has `scripts/ensure-docker.sh` (this repository does;
    /// another project's engine is its own business), so a build or an image check finds one answering.
    public static func ensureEngine(runner: any ProcessRunner, layout: ProjectLayout) async throws {
        let ensureDocker = layout.path("scripts/ensure-docker.sh")
        if FileManager.default.isExecutableFile(atPath: ensureDocker) {
            try await runner.check(Command(ensureDocker, timeout: 300), what: "Making sure a Docker engine answers")
        }
    }

    /// Which images exist and which must be built.
    public func plan() async throws -> [Plan] {
        var plans: [Plan] = []
        for image in stack.images {
            let tag = try inputs.tag(for: image)
            let present = try await runner.run(inspectCommand("\(image.repository):\(tag)")).succeeded
            plans.append(Plan(image: image, tag: tag, present: present))
        }
        return plans
    }

    /// Builds what is missing; returns repository → image reference for every image.
    @discardableResult
    public func ensureBuilt() async throws -> [String: String] {
        try await ensureBuilt(plans: try await plan())
    }

    /// Builds what `plans` mark as missing.
    @discardableResult
    public func ensureBuilt(plans: [Plan]) async throws -> [String: String] {
        for plan in plans where !plan.present {
            let command = buildCommand(plan.image, tag: plan.tag)
            progress?("building \(plan.reference) with `\(command)`")
            try await runner.check(command, what: "Building image \(plan.reference)")
            guard try await runner.run(inspectCommand(plan.reference)).succeeded else {
                throw LabrunError(
                    id: ErrorID.imageNotBuilt, exitCode: ExitCode.external,
                    message: "The build of image \(plan.image.name) finished but Docker has no image \(plan.reference).",
                    advice: "Run `\(command)` by hand and check that it tags the image (images.\(plan.image.name).build in \(stack.file)).")
            }
        }
        return Dictionary(uniqueKeysWithValues: plans.map { ($0.image.repository, $0.reference) })
    }
}
