import Foundation
import LabrunCore

/// Pushes the built images to an `ImageRegistry`: `docker tag`, `docker push`, then the registry's
/// tag is removed again (the image keeps its own `repository:hash` tag), so nothing piles up in the
/// host's Docker and a cluster on this host's engine really pulls what it runs.
///
/// Every image is pushed on every run: Docker skips the layers the registry has (measured: 0.04 s
/// for an image already there on a local registry), and a record of our own could go stale when the
/// registry is emptied.
public struct ImagePusher: Sendable {
    public let runner: any ProcessRunner
    public let registry: ImageRegistry
    public let clock: any LabClock
    /// Progress lines (nil keeps quiet).
    public let progress: (@Sendable (String) -> Void)?

    public init(runner: any ProcessRunner, registry: ImageRegistry, clock: any LabClock = SystemClock(),
                progress: (@Sendable (String) -> Void)? = nil) {
        self.runner = runner
        self.registry = registry
        self.clock = clock
        self.progress = progress
    }

    public func tagCommand(_ local: String) -> Command {
        Command("docker", ["tag", local, registry.reference(for: local)], timeout: 60)
    }

    /// A large image over a slow link takes long; an hour bounds a push that hangs.
    public func pushCommand(_ local: String) -> Command {
        Command("docker", ["push", registry.reference(for: local)], timeout: 3600)
    }

    /// Removes only the registry's tag (`docker image rm` of a second tag untags, deletes nothing).
    public func untagCommand(_ local: String) -> Command {
        Command("docker", ["image", "rm", registry.reference(for: local)], timeout: 60)
    }

    /// Pushes every image of `images` (repository → local reference); returns repository → the
    /// reference in the registry.
    public func push(_ images: [String: String]) async throws -> [String: String] {
        var pushed: [String: String] = [:]
        for repository in images.keys.sorted() {
            guard let local = images[repository] else { continue }
            let remote = registry.reference(for: local)
            progress?("pushing \(local) to \(registry) as \(remote)")
            let start = clock.now()
            try await runner.check(tagCommand(local), what: "Tagging image \(local) for registry \(registry)")
            let output = try await runner.run(pushCommand(local))
            _ = try? await runner.run(untagCommand(local))
            guard output.succeeded else { throw failure(local, output) }
            let layers = Self.layerCounts(output.standardOutput)
            progress?("pushed \(remote) in \(formatSeconds(clock.now() - start)): \(layers.pushed) layer(s) sent, \(layers.present) already there")
            pushed[repository] = remote
        }
        return pushed
    }

    /// Layers `docker push` sent and layers the registry already had, from its output.
    static func layerCounts(_ output: String) -> (pushed: Int, present: Int) {
        var pushed = 0
        var present = 0
        for line in output.split(separator: "\n") {
            if line.hasSuffix(": Pushed") { pushed += 1 }
            if line.hasSuffix(": Layer already exists") { present += 1 }
        }
        return (pushed, present)
    }

    /// A failed push: the image, the registry and Docker's own words (Docker prints no credentials;
    /// the message goes through the redactor anyway on its way to the terminal).
    func failure(_ local: String, _ output: ProcessOutput) -> LabrunError {
        let said = (output.standardError + "\n" + output.standardOutput)
            .split(separator: "\n", omittingEmptySubsequences: true)
            .filter { !$0.hasSuffix(": Preparing") && !$0.hasSuffix(": Waiting") && !$0.contains("Pushing [") }
            .suffix(6).map { "    " + $0 }.joined(separator: "\n")
        let lower = said.lowercased()
        let advice: String
        if lower.contains("unauthorized") || lower.contains("denied") || lower.contains("authentication required") {
            advice = "Log in first with `docker login \(registry.host)` (as the user who runs labrun), and check that the account may push to \(registry)."
        } else if lower.contains("http response to https client") || lower.contains("x509") || lower.contains("certificate") {
            advice = "Docker talks HTTPS to every registry but localhost and 127.0.0.0/8: give the registry a certificate Docker trusts, or list \(registry.host) in insecure-registries of /etc/docker/daemon.json."
        } else {
            advice = "Check that \(registry.host) answers from this host (`docker push \(registry.reference(for: local))` by hand shows the whole output)."
        }
        return LabrunError(id: ErrorID.imagePushFailed, exitCode: ExitCode.external,
                           message: "Pushing image \(local) to registry \(registry) failed (`docker push` exited with status \(output.exitCode))"
                               + (said.isEmpty ? "." : ":\n" + said),
                           advice: advice, debugDetail: output.standardOutput + output.standardError)
    }
}
