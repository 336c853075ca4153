import Foundation
import LabrunCore
import Yams

/// Turns YAML (one or many `---`-separated documents) into JSON objects, for apply.
///
/// Scalars are typed by the YAML core schema as Kubernetes reads them: `3` is a number, `true` a
/// Boolean, `"3"` a string; timestamps stay strings. Empty documents are skipped.
public enum ManifestParser {
    /// Every non-empty document of `yaml`. Lists (`kind: List`) are expanded into their items.
    public static func parseAll(_ yaml: String, source: String = "manifest") throws -> [JSONValue] {
        var documents: [JSONValue] = []
        do {
            var sequence = try Yams.compose_all(yaml: yaml, resolver)
            while let node = sequence.next() {
                let value = try convert(node)
                if value.isNull { continue }
                if value["kind"]?.stringValue == "List", let items = value["items"]?.arrayValue {
                    documents += items
                } else {
                    documents.append(value)
                }
            }
            if let error = sequence.error { throw error }
        } catch let error as LabrunError {
            throw error
        } catch {
            throw LabrunError(id: ErrorID.manifestInvalid, exitCode: ExitCode.invalidInput,
                              message: "The YAML in \(source) could not be parsed: \(error).")
        }
        return documents
    }

    /// The single document of `yaml` (`nil` when empty).
    public static func parseDocument(_ yaml: String) throws -> JSONValue? {
        guard let node = try Yams.compose(yaml: yaml, resolver) else { return nil }
        return try convert(node)
    }

    /// The YAML core schema without timestamps (Kubernetes keeps them as strings).
    static let resolver = Resolver.default.removing(.timestamp)

    static func convert(_ node: Node) throws -> JSONValue {
        switch node {
        case .scalar(let scalar):
            switch ManifestParser.resolver.resolveTag(of: node) {
            case .null: return .null
            case .bool: return .bool(Bool.construct(from: scalar) ?? false)
            case .int:
                // Base-60 integers with overflow checks: Yams' own conversion traps past Int's range.
                let value = scalar.string.contains(":") ? YAMLInteger.sexagesimal(scalar.string) : Int.construct(from: scalar)
                if let value { return .number(Double(value)) }
                return .string(scalar.string)
            case .float:
                if let value = Double.construct(from: scalar) { return .number(value) }
                return .string(scalar.string)
            default: return .string(scalar.string)
            }
        case .mapping(let mapping):
            var members: [String: JSONValue] = [:]
            for (key, value) in mapping {
                guard let name = key.string else {
                    throw LabrunError(id: ErrorID.manifestInvalid, exitCode: ExitCode.invalidInput,
                                      message: "A YAML mapping key is not a string (line \(key.mark?.line ?? 0)).")
                }
                members[name] = try convert(value)
            }
            return .object(members)
        case .sequence(let sequence):
            return .array(try sequence.map(convert))
        case .alias:
            throw LabrunError(id: ErrorID.manifestInvalid, exitCode: ExitCode.invalidInput,
                              message: "YAML aliases are not supported in manifests (line \(node.mark?.line ?? 0)).")
        }
    }
}
