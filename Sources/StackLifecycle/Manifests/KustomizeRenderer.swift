import Foundation
import KubernetesClient
import LabrunCore

/// Renders a kustomization with the real kustomize (`kustomize build`, else `kubectl kustomize`,
/// the same engine built into kubectl), so a team's overlays, patches, components, image and
/// generator options work as they do for `kubectl apply -k`. labrun then applies the objects
/// itself, like a Helm chart's.
///
/// The values of every rendered Secret that look secret (passwords, tokens, keys) are registered
/// with the `Redactor`, in plain and base64 form, so no report or error shows them.
public struct KustomizeRenderer: Sendable {
    public let runner: any ProcessRunner

    public init(runner: any ProcessRunner) { self.runner = runner }

    /// `kustomize build DIR`, or `kubectl kustomize DIR` where only kubectl is installed; nil with neither.
    public func command(_ directory: String) -> Command? {
        if runner.which("kustomize") != nil { return Command("kustomize", ["build", directory], timeout: 120) }
        if runner.which("kubectl") != nil { return Command("kubectl", ["kustomize", directory], timeout: 120) }
        return nil
    }

    /// The objects the kustomization in `directory` produces, in kustomize's order.
    public func render(_ directory: String) async throws -> [JSONValue] {
        let names = ["kustomization.yaml", "kustomization.yml", "Kustomization"]
        guard names.contains(where: { FileManager.default.fileExists(atPath: directory + "/" + $0) }) else {
            throw LabrunError(id: ErrorID.manifestsMissing, exitCode: ExitCode.invalidInput,
                              message: "There is no kustomization in \(directory).",
                              advice: "Point deploy.kustomize in the stack file at the directory that holds kustomization.yaml.")
        }
        guard let command = command(directory) else {
            throw LabrunError(id: ErrorID.kustomizeMissing, exitCode: ExitCode.unavailable,
                              message: "Rendering \(directory) needs kustomize (or kubectl, which embeds it), and neither is on PATH.",
                              advice: "Run scripts/install-kustomize.sh (Debian, as root), or install kustomize or kubectl.")
        }
        let output = try await runner.check(command, what: "Rendering the kustomization \(directory)")
        let objects = try ManifestParser.parseAll(output.standardOutput, source: command.description)
        Self.registerSecrets(in: objects)
        return objects
    }

    /// Registers the secret-looking values of every Secret among `objects` with the Redactor.
    public static func registerSecrets(in objects: [JSONValue]) {
        for object in objects where object["kind"]?.stringValue == "Secret" {
            for (key, value) in object["data"]?.objectValue ?? [:] where looksSecret(key) {
                guard let encoded = value.stringValue else { continue }
                Redactor.shared.register(encoded)
                if let data = Data(base64Encoded: encoded), let plain = String(data: data, encoding: .utf8) {
                    Redactor.shared.register(plain)
                }
            }
            for (key, value) in object["stringData"]?.objectValue ?? [:] where looksSecret(key) {
                if let plain = value.stringValue { Redactor.shared.register(plain) }
            }
        }
    }

    /// Whether a Secret key names a secret value (a password, token or key) rather than, say, a
    /// user or database name, which would otherwise be masked wherever it appears.
    static func looksSecret(_ key: String) -> Bool {
        let upper = key.uppercased()
        return ["PASSWORD", "PASSWD", "TOKEN", "SECRET", "KEY", "CREDENTIAL"].contains { upper.contains($0) }
    }
}
