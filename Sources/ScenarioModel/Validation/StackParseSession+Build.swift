import LabrunCore
import StackModel

/// Parsing of what a stack builds and deploys: `images` and `deploy`.
extension StackParseSession {
    func images(_ value: Located) -> [StackImage] {
        guard let entries = namedEntries(value, pattern: .dnsLabel(example: "api"), what: "images") else { return [] }
        var repositories: [String: String] = [:]
        var images: [StackImage] = []
        for entry in entries {
            guard let image = image(entry) else { continue }
            if let other = repositories[image.repository], let at = entry.value.node["repository"] {
                reader.error("repository \"\(image.repository)\" is already built by image \"\(other)\"; give each image its own",
                             at: at, entry.value.path.key("repository"))
            }
            repositories[image.repository] = repositories[image.repository] ?? image.name
            images.append(image)
        }
        return images.sorted { $0.name < $1.name }
    }

    func image(_ entry: NamedEntry) -> StackImage? {
        guard let fields = reader.fields(entry.value, allowed: StackKeys.image, required: StackKeys.image, what: "an image") else {
            return nil
        }
        let repository = fields.string("repository", pattern: .imageRepository)
        let inputs = fields.value("inputs").flatMap {
            relativePaths($0, needsOne: "needs at least one input: the files and directories whose bytes make the image's tag")
        }
        let build = fields.value("build").flatMap { imageBuild($0) }
        guard let name = entry.name, let repository, let inputs, let build else { return nil }
        return StackImage(name: name, repository: repository, inputs: inputs, build: build)
    }

    func imageBuild(_ value: Located) -> ImageBuild? {
        guard let fields = reader.fields(value, allowed: StackKeys.build) else { return nil }
        switch fields.exactlyOne(of: StackKeys.build) {
        case "command":
            return fields.value("command").flatMap { command($0, placeholders: StackKeys.buildPlaceholders) }.map(ImageBuild.command)
        case "dockerfile":
            return fields.value("dockerfile").flatMap { dockerfileBuild($0) }
        default:
            return nil
        }
    }

    func dockerfileBuild(_ value: Located) -> ImageBuild? {
        guard let fields = reader.fields(value, allowed: StackKeys.dockerfile, required: ["dockerfile"]) else { return nil }
        let dockerfile = fields.value("dockerfile").flatMap(relativePath)
        let context = fields.value("context").map(relativePath) ?? "."
        let args = fields.value("args").map(buildArguments) ?? [:]
        guard let dockerfile, let context, let args else { return nil }
        return .dockerfile(context: context, dockerfile: dockerfile, args: args)
    }

    /// `--build-arg` names and values.
    func buildArguments(_ value: Located) -> [String: String]? {
        guard case .mapping(let mapping) = value.node else {
            reader.typeError(expected: "a mapping of build arguments", value)
            return nil
        }
        var arguments: [String: String]? = [:]
        for (keyNode, node) in mapping {
            let path = value.path.key(keyNode.scalar?.string ?? "")
            let name = reader.string(Located(node: keyNode, path: path), pattern: .environmentName)
            let text = reader.string(Located(node: node, path: path))
            if let name, let text { arguments?[name] = text } else { arguments = nil }
        }
        return arguments
    }

    func deploy(_ value: Located, stackName: String?) -> StackDeploy? {
        guard let fields = reader.fields(value, allowed: StackKeys.deploy) else { return nil }
        let source: ManifestSource?
        switch fields.exactlyOne(of: ["kustomize", "helm"]) {
        case "kustomize": source = fields.value("kustomize").flatMap(relativePath).map { .kustomize(directory: $0) }
        case "helm": source = fields.value("helm").flatMap { helm($0, stackName: stackName) }
        default: source = nil
        }
        let prepare = fields.value("prepare").flatMap { list in
            reader.sequence(list, what: "of commands").map { $0.compactMap { command($0) } }
        } ?? []
        let skips = fields.value("scenarioSkipsKinds").flatMap { list in
            reader.sequence(list, what: "of kinds").map { $0.compactMap { reader.string($0, pattern: .kindName) } }
        } ?? []
        var overlays: [String: String]? = [:]
        if let raw = fields.value("overlays") {
            overlays = self.overlays(raw)
            if case .helm? = source {
                reader.error("overlays are kustomizations, for a kustomize source; a chart takes values-<provider>.yaml beside Chart.yaml",
                             at: raw.node, raw.path)
                overlays = nil
            }
        }
        guard let source, let overlays else { return nil }
        return StackDeploy(source: source, prepare: prepare, scenarioSkipsKinds: skips, overlays: overlays)
    }

    /// `overlays: {minikube: k8s/overlays/minikube}`: provider → kustomization directory.
    func overlays(_ value: Located) -> [String: String]? {
        guard let fields = reader.fields(value, allowed: StackDeploy.providers, what: "overlays by provider") else { return nil }
        var overlays: [String: String]? = [:]
        for member in fields.members {
            let at = Located(node: member.value, path: value.path.key(member.key))
            if let path = relativePath(at) { overlays?[member.key] = path } else { overlays = nil }
        }
        return overlays
    }

    func helm(_ value: Located, stackName: String?) -> ManifestSource? {
        guard let fields = reader.fields(value, allowed: StackKeys.helm, required: ["chart"]) else { return nil }
        let chart = fields.value("chart").flatMap(relativePath)
        let release = fields.has("release") ? fields.string("release", pattern: .dnsLabel(example: "shop", maxLength: 53)) : stackName
        let valuesFiles = fields.value("valuesFiles").map { relativePaths($0) } ?? []
        var values: JSONValue?
        if let raw = fields.value("values") {
            if case .mapping = raw.node { values = freeForm(raw) } else { reader.typeError(expected: "a mapping of Helm values", raw) }
        }
        guard let chart, let release, let valuesFiles else { return nil }
        return .helm(chart: chart, release: release, valuesFiles: valuesFiles, values: values)
    }
}
