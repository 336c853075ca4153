import Foundation
import LabrunCore
import StackModel

/// A first stack file for an existing chart or kustomization: what can be read off the rendered
/// objects (images, workloads and their kinds, the Services in front of them, readiness paths,
/// version-like variables), with `# TODO` comments where a person must decide (roles, the traffic,
/// the database and its ledger). Pure: objects in, YAML text out, so `labrun init` is unit-tested.
///
/// The draft is a valid stack file as written: its one operation reads the API's readiness path,
/// so `labrun up --stack` works at once and the team refines the traffic from there.
public struct StackFileDraft: Sendable {
    /// The stack's name (a DNS label).
    public var name: String
    /// How the objects were rendered, as the stack file will say it (paths relative to the file).
    public var source: ManifestSource
    /// The rendered objects.
    public var objects: [JSONValue]

    public init(name: String, source: ManifestSource, objects: [JSONValue]) {
        self.name = name
        self.source = source
        self.objects = objects
    }

    /// One workload as found.
    struct Found {
        var name: String
        var kind: WorkloadKind
        var container: String?
        var images: [String]
        var service: (name: String, port: Int)?
        var ready: String?
        var versionEnv: String?
        var looksLikeDatabase: Bool
    }

    static let databaseImageWords = ["postgres", "mysql", "mariadb", "mongo", "redis", "cockroach"]
    /// The usual ports of those databases.
    static let databasePorts = [5432, 3306, 27017, 6379, 26257]

    func workloads() -> [Found] {
        let services = objects.filter { $0["kind"]?.stringValue == "Service" }
        return objects.compactMap { object -> Found? in
            guard let kindName = object["kind"]?.stringValue, let kind = WorkloadKind(rawValue: kindName),
                  let name = object.value(at: "metadata.name")?.stringValue else { return nil }
            let template = object.value(at: "spec.template")
            let containers = template?.value(at: "spec.containers")?.arrayValue ?? []
            let main = containers.first
            let images = containers.compactMap { $0["image"]?.stringValue }
            let podLabels = template?.value(at: "metadata.labels")?.objectValue?.compactMapValues(\.stringValue) ?? [:]
            // A Service whose selector the pods match, and not a headless one.
            let service = services.first { service in
                guard let selector = service.value(at: "spec.selector")?.objectValue?.compactMapValues(\.stringValue),
                      !selector.isEmpty, service.value(at: "spec.clusterIP")?.stringValue != "None" else { return false }
                return selector.allSatisfy { podLabels[$0.key] == $0.value }
            }
            let port = service?.value(at: "spec.ports")?.arrayValue?.first?["port"]?.intValue
            let ready = main?.value(at: "readinessProbe.httpGet.path")?.stringValue
            // Variables set directly, and those of ConfigMaps the container takes whole (envFrom).
            var env = main?["env"]?.arrayValue?.compactMap { $0["name"]?.stringValue } ?? []
            for source in main?["envFrom"]?.arrayValue ?? [] {
                guard let name = source.value(at: "configMapRef.name")?.stringValue,
                      let map = objects.first(where: { $0["kind"]?.stringValue == "ConfigMap" && $0.value(at: "metadata.name")?.stringValue == name })
                else { continue }
                env += (map["data"]?.objectValue?.keys).map { $0.sorted() } ?? []
            }
            let versionEnv = env.first { $0.uppercased().contains("VERSION") || $0.uppercased().hasSuffix("BUILD") }
            let ports = containers.flatMap { $0["ports"]?.arrayValue ?? [] }.compactMap { $0["containerPort"]?.intValue }
            let database = images.contains { image in Self.databaseImageWords.contains { image.lowercased().contains($0) } }
                || ports.contains(where: Self.databasePorts.contains)
            return Found(name: name, kind: kind, container: main?["name"]?.stringValue, images: images,
                         service: service.flatMap { s in port.map { (s.value(at: "metadata.name")?.stringValue ?? name, $0) } },
                         ready: ready, versionEnv: versionEnv, looksLikeDatabase: database)
        }.sorted { $0.name < $1.name }
    }

    /// Whether the draft found a workload to take the load (without one, the file needs editing before use).
    public var foundAPI: Bool { workloads().contains { !$0.looksLikeDatabase && $0.service != nil } }

    /// The stack file's text.
    public func render() -> String {
        let found = workloads()
        let api = found.first { !$0.looksLikeDatabase && $0.service != nil && $0.ready != nil }
            ?? found.first { !$0.looksLikeDatabase && $0.service != nil }
        let database = found.first { $0.looksLikeDatabase && $0.service != nil }
        var lines = [
            "# A first stack file written by `labrun init`; the format is specs/stack-format.md in labrun's",
            "# repository, its JSON Schema specs/stack.schema.json (for editors with the YAML language server).",
            "# Lines marked TODO need a person: labrun cannot tell them from the manifests.",
            "apiVersion: \(Stack.apiVersion)",
            "kind: \(Stack.kind)",
            "metadata:",
            "  name: \(name)",
            "  description: \(Self.quoted("TODO: one sentence on what \(name) is"))",
            "",
        ]
        let repositories = Set(found.flatMap(\.images).map(ManifestRenderer.repository(of:))).sorted()
        if repositories.isEmpty {
            lines.append("images: {}   # no container image found in the manifests")
        } else {
            lines += ["# The images labrun builds and tags with the hash of their inputs. TODO: check each",
                      "# Dockerfile and list every file or folder that goes into the image under inputs.",
                      "images:"]
            var used = Set<String>()
            for repository in repositories {
                var key = Self.label(String(repository.split(separator: "/").last ?? Substring(repository)))
                while used.contains(key) { key += "-x" }
                used.insert(key)
                lines += ["  \(key):",
                          "    repository: \(repository)",
                          "    build:",
                          "      dockerfile: {dockerfile: \(Self.quoted("TODO/Dockerfile.\(key)")), context: .}",
                          "    inputs: [\(Self.quoted("TODO/Dockerfile.\(key)"))]"]
            }
        }
        lines += ["", "deploy:"]
        switch source {
        case .kustomize(let directory):
            lines.append("  kustomize: \(Self.quoted(directory))")
        case .helm(let chart, let release, let valuesFiles, _):
            lines += ["  helm:", "    chart: \(Self.quoted(chart))", "    release: \(release)"]
            if !valuesFiles.isEmpty { lines.append("    valuesFiles: [\(valuesFiles.map(Self.quoted).joined(separator: ", "))]") }
        }
        lines += ["  # TODO: commands that must run before rendering (e.g. writing a generated Secret):",
                  "  # prepare:", "  #   - [scripts/generate-secret.sh]"]
        lines += ["", "workloads:"]
        if api == nil { lines.append("  # TODO: no workload with a Service was found; give one `role: api` and a service by hand.") }
        for workload in found {
            lines.append("  \(workload.name):")
            lines.append("    kind: \(workload.kind.rawValue)")
            if workload.name == api?.name { lines.append("    role: api        # takes the load and HTTP checks") }
            else if workload.name == database?.name { lines.append("    role: database   # restartPostgres and the ledger's SQL") }
            if let container = workload.container { lines.append("    container: \(container)") }
            if let service = workload.service {
                var entry = "    service: {name: \(service.name), port: \(service.port)"
                if let ready = workload.ready, workload.name != database?.name { entry += ", ready: \(Self.quoted(ready))" }
                lines.append(entry + "}")
            }
            if workload.name == api?.name {
                lines.append(workload.versionEnv.map { "    version: {env: \($0)}" }
                             ?? "    # version: {env: TODO}   # TODO: the variable that sets the version, for rollouts")
            }
        }
        lines += ["", "# TODO: the response headers that name the serving pod and the version, if the app sends them.",
                  "headers: {}", ""]
        if let database {
            lines += ["# TODO: the Secret with the database credentials, and its keys.",
                      "# database:",
                      "#   workload: \(database.name)",
                      "#   secret: TODO",
                      "#   keys: {user: TODO, password: TODO, database: TODO}", ""]
        }
        let readPath = api?.ready ?? "/"
        lines += ["# The requests of the background load. TODO: add the API's real reads and writes; a write",
                  "# that takes a client key uses ${idempotencyKey}, and `capture` keeps ids for later requests.",
                  "traffic:"]
        if let api { lines.append("  workload: \(api.name)") }
        lines += ["  operations:",
                  "    ready:",
                  "      method: GET",
                  "      path: \(Self.quoted(readPath))",
                  "",
                  "# TODO: with a database and a write that takes ${idempotencyKey}, the ledger's read-only query:",
                  "# ledger:",
                  "#   operation: TODO",
                  "#   query: SELECT key_column, count(*) FROM table WHERE key_column LIKE $1 GROUP BY key_column"]
        return lines.joined(separator: "\n") + "\n"
    }

    /// A YAML double-quoted scalar.
    static func quoted(_ text: String) -> String {
        "\"" + text.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"") + "\""
    }

    /// A DNS label made of `text` (lower case; other characters become `-`).
    public static func label(_ text: String) -> String {
        let mapped = String(text.lowercased().map { ($0.isASCII && ($0.isLetter || $0.isNumber)) ? $0 : "-" })
        let trimmed = mapped.trimmingCharacters(in: CharacterSet(charactersIn: "-"))
        return trimmed.isEmpty ? "image" : String(trimmed.prefix(63))
    }
}
