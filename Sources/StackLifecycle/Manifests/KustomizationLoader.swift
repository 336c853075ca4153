import Foundation
import KubernetesClient
import LabrunCore

/// Reads the project's kustomization (`kubernetes/kustomization.yaml` and the directories it
/// names) into objects, without needing a `kubectl` new enough to embed a current kustomize.
///
/// Handles what the project's manifests use: `resources` (files and directories),
/// `namespace`, and `secretGenerator`/`configMapGenerator` from `envs`, `files` and `literals`
/// with `options.labels`/`annotations`/`disableNameSuffixHash`. Any other key is an error naming
/// the file and key, so a manifest change that needs more is noticed rather than half-applied.
/// (The `overlays/k8s-1.20` patches are not needed: labrun picks API versions from discovery.)
public struct KustomizationLoader: Sendable {
    public init() {}

    static let knownKeys: Set<String> = ["apiVersion", "kind", "namespace", "resources", "secretGenerator", "configMapGenerator"]

    /// The objects the kustomization in `directory` produces, in file order.
    public func load(_ directory: String) throws -> [JSONValue] {
        let file = directory + "/kustomization.yaml"
        guard let text = try? String(contentsOfFile: file, encoding: .utf8) else {
            throw LabrunError(id: "MANIFESTS_MISSING", exitCode: ExitCode.invalidInput,
                              message: "There is no kustomization at \(file).",
                              advice: "Run labrun from the repository (it deploys the manifests in kubernetes/), or set LABRUN_ROOT.")
        }
        guard let kustomization = try ManifestParser.parseAll(text, source: file).first?.objectValue else {
            throw LabrunError(id: "MANIFEST_INVALID", exitCode: ExitCode.invalidInput, message: "\(file) is empty.")
        }
        if let unknown = kustomization.keys.sorted().first(where: { !Self.knownKeys.contains($0) }) {
            throw LabrunError(
                id: "KUSTOMIZATION_UNSUPPORTED", exitCode: ExitCode.invalidInput,
                message: "\(file) uses `\(unknown)`, which labrun's manifest loader does not handle.",
                advice: "Keep the stack's kustomization to resources, namespace and generators, or extend KustomizationLoader.")
        }
        var objects: [JSONValue] = []
        for entry in kustomization["resources"]?.arrayValue ?? [] {
            guard let relative = entry.stringValue else { continue }
            let path = directory + "/" + relative
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
                throw LabrunError(id: "MANIFESTS_MISSING", exitCode: ExitCode.invalidInput,
                                  message: "\(file) lists `\(relative)`, which does not exist.")
            }
            if isDirectory.boolValue {
                objects += try load(path)
            } else {
                let yaml = try String(contentsOfFile: path, encoding: .utf8)
                objects += try ManifestParser.parseAll(yaml, source: path)
            }
        }
        for generator in kustomization["secretGenerator"]?.arrayValue ?? [] {
            objects.append(try generate(kind: "Secret", generator, directory: directory, file: file))
        }
        for generator in kustomization["configMapGenerator"]?.arrayValue ?? [] {
            objects.append(try generate(kind: "ConfigMap", generator, directory: directory, file: file))
        }
        if let namespace = kustomization["namespace"]?.stringValue {
            objects = objects.map { ManifestRenderer.settingNamespace($0, to: namespace, renameNamespaceObjects: false) }
        }
        return objects
    }

    func generate(kind: String, _ generator: JSONValue, directory: String, file: String) throws -> JSONValue {
        guard let name = generator["name"]?.stringValue else {
            throw LabrunError(id: "MANIFEST_INVALID", exitCode: ExitCode.invalidInput,
                              message: "\(file): a \(kind.lowercased())Generator entry has no name.")
        }
        var data: [String: String] = [:]
        for env in generator["envs"]?.arrayValue ?? [] {
            guard let relative = env.stringValue else { continue }
            let path = directory + "/" + relative
            guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
                throw LabrunError(
                    id: "SECRET_ENV_MISSING", exitCode: ExitCode.invalidInput,
                    message: "\(file) builds \(kind) \(name) from \(path), which does not exist.",
                    advice: "Run kubernetes/generate-secret.sh to write it (labrun up does this for you).")
            }
            for (key, value) in Self.parseEnv(text) { data[key] = value }
        }
        for literal in generator["literals"]?.arrayValue ?? [] {
            guard let text = literal.stringValue, let eq = text.firstIndex(of: "=") else { continue }
            data[String(text[..<eq])] = String(text[text.index(after: eq)...])
        }
        for entry in generator["files"]?.arrayValue ?? [] {
            guard let spec = entry.stringValue else { continue }
            let parts = spec.split(separator: "=", maxSplits: 1).map(String.init)
            let relative = parts.count == 2 ? parts[1] : parts[0]
            let key = parts.count == 2 ? parts[0] : (relative as NSString).lastPathComponent
            data[key] = try String(contentsOfFile: directory + "/" + relative, encoding: .utf8)
        }
        if kind == "Secret" {
            for (key, value) in data where Self.looksSecret(key) { Redactor.shared.register(value) }
        }
        let options = generator["options"]
        if options?["disableNameSuffixHash"]?.boolValue != true {
            throw LabrunError(
                id: "KUSTOMIZATION_UNSUPPORTED", exitCode: ExitCode.invalidInput,
                message: "\(file): \(kind) \(name) is generated with a name-suffix hash, which labrun's loader does not compute.",
                advice: "Set options.disableNameSuffixHash: true (the stack refers to its Secret by a fixed name).")
        }
        var metadata: [String: JSONValue] = ["name": .string(name)]
        if let labels = options?["labels"] { metadata["labels"] = labels }
        if let annotations = options?["annotations"] { metadata["annotations"] = annotations }
        var object: [String: JSONValue] = ["apiVersion": "v1", "kind": .string(kind), "metadata": .object(metadata)]
        if kind == "Secret" {
            object["type"] = .string(generator["type"]?.stringValue ?? "Opaque")
            object["data"] = .object(data.mapValues { .string(Data($0.utf8).base64EncodedString()) })
        } else {
            object["data"] = .object(data.mapValues { .string($0) })
        }
        return .object(object)
    }

    /// Whether a Secret key names a secret value (a password, token or key) rather than, say, a
    /// user or database name, which would otherwise be masked wherever it appears.
    static func looksSecret(_ key: String) -> Bool {
        let upper = key.uppercased()
        return ["PASSWORD", "PASSWD", "TOKEN", "SECRET", "KEY", "CREDENTIAL"].contains { upper.contains($0) }
    }

    /// `KEY=value` lines; blank lines and `#` comments are skipped, as kustomize does.
    public static func parseEnv(_ text: String) -> [(String, String)] {
        text.split(whereSeparator: \.isNewline).compactMap { raw in
            let line = raw.trimmingCharacters(in: .whitespaces)
            guard !line.isEmpty, !line.hasPrefix("#"), let eq = line.firstIndex(of: "=") else { return nil }
            return (String(line[..<eq]), String(line[line.index(after: eq)...]))
        }
    }
}
