import Foundation
import KubernetesClient
import LabrunCore

/// Renders the project's Helm chart (`helm/todo-app`) with `helm template`, for clusters where
/// `helm` is installed. labrun applies the result itself (server-side apply, API versions from
/// discovery), exactly like the plain manifests, so `up` stays idempotent either way.
///
/// Image tags and the database credentials go in through a values file (mode 0600, deleted
/// afterwards), never on the command line. Helm test hooks are left out.
public struct HelmChartRenderer: Sendable {
    public let runner: any ProcessRunner
    public let root: String
    public let release: String

    public init(runner: any ProcessRunner, root: String, release: String = "todo") {
        self.runner = runner
        self.root = root
        self.release = release
    }

    public var chart: String { root + "/helm/todo-app" }

    /// The provider's own values file, when the chart has one (`values-bare.yaml`, `values-minikube.yaml`).
    public func providerValues(_ provider: String) -> String? {
        let path = chart + "/values-\(provider).yaml"
        return FileManager.default.fileExists(atPath: path) ? path : nil
    }

    public func command(namespace: String, provider: String, valuesFile: String) -> Command {
        var arguments = ["template", release, chart, "--namespace", namespace]
        if let values = providerValues(provider) { arguments += ["--values", values] }
        arguments += ["--values", valuesFile]
        return Command("helm", arguments, timeout: 120)
    }

    /// The values labrun sets: image tags (component → tag) and the database credentials.
    public static func values(tags: [StackComponent: String], database: [String: String]) -> JSONValue {
        var object: [String: JSONValue] = [:]
        for (component, tag) in tags { object[component.rawValue] = ["image": ["tag": .string(tag)]] }
        var db: [String: JSONValue] = ["createSecret": true]
        if let user = database["POSTGRES_USER"] { db["user"] = .string(user) }
        if let name = database["POSTGRES_DB"] { db["name"] = .string(name) }
        if let password = database["POSTGRES_PASSWORD"] { db["password"] = .string(password) }
        object["database"] = .object(db)
        return .object(object)
    }

    public func render(namespace: String, provider: String, tags: [StackComponent: String],
                       database: [String: String]) async throws -> [JSONValue] {
        let valuesFile = FileManager.default.temporaryDirectory.appendingPathComponent("labrun-values-\(UUID().uuidString).json").path
        // JSON is YAML; the file holds the database password, so only its owner may read it.
        guard FileManager.default.createFile(atPath: valuesFile,
                                             contents: try Self.values(tags: tags, database: database).jsonData(),
                                             attributes: [.posixPermissions: 0o600]) else {
            throw LabrunError(id: "HELM_VALUES", exitCode: ExitCode.external, message: "Could not write a Helm values file at \(valuesFile).")
        }
        defer { try? FileManager.default.removeItem(atPath: valuesFile) }
        let output = try await runner.check(command(namespace: namespace, provider: provider, valuesFile: valuesFile),
                                            what: "Rendering the Helm chart \(chart)")
        return try ManifestParser.parseAll(output.standardOutput, source: "helm template \(chart)")
            .filter { $0["metadata"]?["annotations"]?["helm.sh/hook"] == nil }
    }
}
