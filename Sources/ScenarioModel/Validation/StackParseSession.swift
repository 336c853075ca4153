import Foundation
import LabrunCore
import StackModel
import Yams

/// One entry of a mapping whose keys the stack file chooses (images, workloads, operations).
struct NamedEntry {
    /// The name; nil when it breaks the naming rule (an error is recorded).
    let name: String?
    /// The key as written, for references from elsewhere in the file.
    let written: String
    let value: Located
}

/// The state of one stack file's parse: the reader collecting errors, and the names that later
/// sections refer to.
///
/// A part with errors is left out of what it belongs to; the parser returns a stack only when no
/// error was recorded, so a left-out part never reaches a caller.
final class StackParseSession {
    let reader: YAMLReader
    /// Absolute, standardized path of the stack file.
    let file: String
    /// Every workload the file declares, also those with errors (so a reference to one is not reported as unknown).
    var workloadNames: [String] = []
    /// The workload that declares `role: api`.
    var apiWorkload: String?
    /// Every operation the file declares, also those with errors.
    var operationNames: [String] = []

    init(reader: YAMLReader, file: String) {
        self.reader = reader
        self.file = file
    }

    func stack(_ value: Located) -> Stack? {
        guard let fields = reader.fields(value, allowed: StackKeys.top, required: StackKeys.topRequired, what: "a stack") else {
            return nil
        }
        fields.constant("apiVersion", Stack.apiVersion)
        fields.constant("kind", Stack.kind)
        let metadata = fields.value("metadata").flatMap { self.metadata($0) }
        let directory = URL(fileURLWithPath: file).deletingLastPathComponent().path
        let root = fields.value("root").map { rootDirectory($0, from: directory) } ?? directory
        let images = fields.value("images").map { self.images($0) } ?? []
        let deploy = fields.value("deploy").flatMap { self.deploy($0, stackName: metadata?.name) }
        let workloads = fields.value("workloads").map { self.workloads($0) } ?? []
        let headers = fields.value("headers").map { self.headers($0) } ?? ResponseHeaders()
        let database = fields.value("database").flatMap { self.database($0, workloads: workloads) }
        let traffic = fields.value("traffic").flatMap { self.traffic($0, workloads: workloads) }
        let ledgers = fields.value("ledger").map { self.ledgers($0, traffic: traffic, hasDatabase: fields.has("database")) } ?? []
        guard let metadata, let root, let deploy, let traffic else { return nil }
        return Stack(name: metadata.name, description: metadata.description, file: file, root: root, images: images,
                     deploy: deploy, workloads: workloads, headers: headers, database: database, traffic: traffic, ledgers: ledgers)
    }

    func metadata(_ value: Located) -> (name: String, description: String)? {
        guard let fields = reader.fields(value, allowed: StackKeys.metadata, required: StackKeys.metadata) else { return nil }
        let name = fields.string("name", pattern: .dnsLabel(example: "shop"))
        let description = fields.string("description")
        guard let name, let description else { return nil }
        return (name, description)
    }

    /// `root:` — a relative directory (it may go up with `..`), resolved from the stack file's directory.
    func rootDirectory(_ value: Located, from directory: String) -> String? {
        guard let text = reader.string(value) else { return nil }
        if text.hasPrefix("/") {
            reader.error("\(YAMLReader.quote(text)) is absolute; write the root relative to the stack file's directory, e.g. ..",
                         at: value.node, value.path)
            return nil
        }
        return URL(fileURLWithPath: directory).appendingPathComponent(text).standardized.path
    }

    // MARK: Shared shapes

    /// The entries of a mapping from names to sections, in file order; each name is checked against `pattern`.
    func namedEntries(_ value: Located, pattern: NamePattern, what: String) -> [NamedEntry]? {
        guard case .mapping(let mapping) = value.node else {
            reader.typeError(expected: "a mapping of \(what) by name", value)
            return nil
        }
        return mapping.map { keyNode, node in
            let written = keyNode.scalar?.string ?? ""
            let path = keyNode.scalar == nil ? value.path : value.path.key(written)
            let name = reader.string(Located(node: keyNode, path: path), pattern: pattern)
            return NamedEntry(name: name, written: written, value: Located(node: node, path: path))
        }
    }

    /// A path relative to the stack's root that stays inside it.
    func relativePath(_ value: Located) -> String? {
        guard let text = reader.string(value) else { return nil }
        if text.hasPrefix("/") {
            reader.error("\(YAMLReader.quote(text)) is absolute; write paths relative to the stack's root (\"root\", default the stack file's directory)",
                         at: value.node, value.path)
            return nil
        }
        if text.split(separator: "/").contains("..") {
            reader.error("\(YAMLReader.quote(text)) leaves the stack's root; write paths inside it, without \"..\" (or move \"root\" up)",
                         at: value.node, value.path)
            return nil
        }
        return text
    }

    /// A list of paths relative to the root; `needsOne` refuses an empty list with that message.
    func relativePaths(_ value: Located, needsOne: String? = nil) -> [String]? {
        guard let items = reader.sequence(value, what: "of paths") else { return nil }
        if let needsOne, items.isEmpty {
            reader.error(needsOne, at: value.node, value.path)
            return nil
        }
        let paths = items.map(relativePath)
        return paths.contains { $0 == nil } ? nil : paths.compactMap { $0 }
    }

    /// A command as a list of arguments, the program first; `placeholders` are the `${…}` names its arguments may use.
    func command(_ value: Located, placeholders: [String] = []) -> [String]? {
        guard let items = reader.sequence(value, what: "of arguments (the program first)") else { return nil }
        if items.isEmpty {
            reader.error("needs at least the program to run, e.g. [scripts/build.sh]", at: value.node, value.path)
            return nil
        }
        var arguments: [String] = []
        for item in items {
            guard let argument = reader.string(item) else { return nil }
            for name in placeholderNames(argument, at: item) where !placeholders.contains(name) {
                let known = placeholders.map { "${\($0)}" }
                reader.error(Suggestion.unknown("placeholder", "${\(name)}", known), at: item.node, item.path)
            }
            arguments.append(argument)
        }
        return arguments
    }

    /// The `${name}` placeholders of template text, after checking that each is closed and well-named.
    func placeholderNames(_ text: String, at value: Located) -> [String] {
        if let start = text.range(of: "${", options: .backwards), !text[start.upperBound...].contains("}") {
            reader.error("unclosed \"${\" in \(YAMLReader.quote(text)); a placeholder is written ${name}", at: value.node, value.path)
        }
        return Placeholders.names(in: text).filter { name in
            if NamePattern.variableName.matches(name) { return true }
            reader.error("invalid placeholder \"${\(name)}\" (\(NamePattern.variableName.hint))", at: value.node, value.path)
            return false
        }
    }

    /// Any YAML that has a JSON form (a request body, Helm values). Infinities and NaN have none.
    func freeForm(_ value: Located) -> JSONValue? {
        var finite = true
        for scalar in reader.scalars(in: value, keys: false) where ScalarKind(scalar.node) == .float {
            if let number = scalar.node.float, !number.isFinite {
                reader.error("\(scalar.node.scalar?.string ?? "") is not a JSON number; write a finite number, or quote it for a string",
                             at: scalar.node, scalar.path)
                finite = false
            }
        }
        return finite ? reader.json(value) : nil
    }
}
