import Foundation
import KubernetesClient
import LabrunCore

/// Renders a stack's Helm chart with `helm template`. labrun applies the result itself
/// (server-side apply, API versions from discovery, images replaced by its builds), exactly like
/// a kustomization, so `up` stays idempotent either way.
///
/// The stack file's inline values go in through a values file (mode 0600, deleted afterwards),
/// never on the command line, after the stack's values files and the chart's own
/// `values-<provider>.yaml` when it has one. Helm test hooks are left out.
public struct HelmChartRenderer: Sendable {
    public let runner: any ProcessRunner
    /// The chart's directory.
    public let chart: String
    public let release: String
    /// Values files, in order (absolute paths).
    public let valuesFiles: [String]

    public init(runner: any ProcessRunner, chart: String, release: String, valuesFiles: [String] = []) {
        self.runner = runner
        self.chart = chart
        self.release = release
        self.valuesFiles = valuesFiles
    }

    /// The provider's own values file, when the chart has one (`values-bare.yaml`, `values-minikube.yaml`).
    public func providerValues(_ provider: String) -> String? {
        let path = chart + "/values-\(provider).yaml"
        return FileManager.default.fileExists(atPath: path) ? path : nil
    }

    public func command(namespace: String, provider: String, inlineValues: String?) -> Command {
        var arguments = ["template", release, chart, "--namespace", namespace]
        if let values = providerValues(provider) { arguments += ["--values", values] }
        for file in valuesFiles { arguments += ["--values", file] }
        if let inlineValues { arguments += ["--values", inlineValues] }
        return Command("helm", arguments, timeout: 120)
    }

    public func render(namespace: String, provider: String, values: JSONValue?) async throws -> [JSONValue] {
        guard runner.which("helm") != nil else {
            throw LabrunError(id: ErrorID.helmMissing, exitCode: ExitCode.unavailable,
                              message: "The stack is deployed from the Helm chart \(chart), but there is no `helm` on PATH.",
                              advice: "Install Helm 3 (https://helm.sh/docs/intro/install/), or describe the stack with deploy.kustomize.")
        }
        var inline: String?
        if let values {
            let path = FileManager.default.temporaryDirectory.appendingPathComponent("labrun-values-\(UUID().uuidString).json").path
            // JSON is YAML; values may hold credentials, so only the owner may read the file.
            guard FileManager.default.createFile(atPath: path, contents: try values.jsonData(), attributes: [.posixPermissions: 0o600]) else {
                throw LabrunError(id: ErrorID.helmValues, exitCode: ExitCode.external, message: "Could not write a Helm values file at \(path).")
            }
            inline = path
        }
        defer { if let inline { try? FileManager.default.removeItem(atPath: inline) } }
        let output = try await runner.check(command(namespace: namespace, provider: provider, inlineValues: inline),
                                            what: "Rendering the Helm chart \(chart)")
        return try ManifestParser.parseAll(output.standardOutput, source: "helm template \(chart)")
            .filter { $0["metadata"]?["annotations"]?["helm.sh/hook"] == nil }
    }
}
