import Foundation
import LabrunCore

/// Builds the stack's images through the project's offline build (`docker/build.sh`), tagged by
/// the hash of their inputs, and skips every image whose tag already exists in Docker.
public struct ImageBuilder: Sendable {
    public let runner: any ProcessRunner
    public let root: String
    public let inputs: ImageInputs
    /// Progress lines (nil keeps quiet).
    public let progress: (@Sendable (String) -> Void)?

    public init(runner: any ProcessRunner, root: String, progress: (@Sendable (String) -> Void)? = nil) {
        self.runner = runner
        self.root = root
        self.inputs = ImageInputs(root: root)
        self.progress = progress
    }

    /// One image: what it is called and whether it must be built.
    public struct Plan: Sendable, Equatable {
        public var component: StackComponent
        public var tag: String
        public var reference: String { "\(component.repository):\(tag)" }
        public var present: Bool
    }

    public func inspectCommand(_ reference: String) -> Command {
        Command("docker", ["image", "inspect", "--format", "{{.Id}}", reference], timeout: 60)
    }

    /// `docker/build.sh --tag TAG --only NAME`: one build per tag (each image has its own hash).
    public func buildCommand(tag: String, components: [StackComponent]) -> Command {
        Command(root + "/docker/build.sh",
                ["--tag", tag] + components.flatMap { ["--only", $0.rawValue] },
                workingDirectory: root, timeout: 3600)
    }

    /// Which images exist and which must be built.
    public func plan(_ components: [StackComponent] = StackComponent.allCases) async throws -> [Plan] {
        var plans: [Plan] = []
        for component in components {
            let tag = try inputs.tag(for: component)
            let reference = "\(component.repository):\(tag)"
            let present = try await runner.run(inspectCommand(reference)).succeeded
            plans.append(Plan(component: component, tag: tag, present: present))
        }
        return plans
    }

    /// Builds what is missing; returns component → image reference for every component.
    @discardableResult
    public func ensureBuilt(_ components: [StackComponent] = StackComponent.allCases) async throws -> [StackComponent: String] {
        try await ensureBuilt(plans: try await plan(components))
    }

    /// Builds what `plans` mark as missing.
    @discardableResult
    public func ensureBuilt(plans: [Plan]) async throws -> [StackComponent: String] {
        for plan in plans where !plan.present {
            progress?("building \(plan.reference) with docker/build.sh (on a fresh machine this first makes the Debian base images)")
            try await runner.check(buildCommand(tag: plan.tag, components: [plan.component]),
                                   what: "Building image \(plan.reference)")
            guard try await runner.run(inspectCommand(plan.reference)).succeeded else {
                throw LabrunError(
                    id: "IMAGE_NOT_BUILT", exitCode: ExitCode.external,
                    message: "docker/build.sh finished but Docker has no image \(plan.reference).",
                    advice: "Run `\(buildCommand(tag: plan.tag, components: [plan.component]))` by hand and check that it tags the image.")
            }
        }
        return Dictionary(uniqueKeysWithValues: plans.map { ($0.component, $0.reference) })
    }
}
