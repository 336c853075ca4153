// libyaml's C interface, the module Yams is built on. Yams hands out composed trees only, and composing
// already costs exponential time for an alias used as a mapping key (Yams hashes every key to find
// duplicates, and `? *lol9` hashes a billion nodes): anchors must be found from the parser's events,
// before composing. CYaml comes with the Yams package, so this adds no dependency.
import CYaml

/// Where a document uses anchors (`&name`) and aliases (`*name`), and how deep its collections nest,
/// found without building the document.
///
/// A stack file and a kubeconfig refuse aliases: an alias is a reference, and a few nested ones (a
/// "billion laughs") make a kilobyte of YAML expand into gigabytes of values. Deep nesting (`[[[[…`)
/// is refused too: composing and converting a tree recurse once per level.
public struct YAMLAnchorScan: Sendable {
    /// 1-based line and column of an anchor or alias.
    public struct Position: Equatable, Sendable {
        public let line: Int
        public let column: Int
    }

    public private(set) var anchors: [Position] = []
    public private(set) var aliases: [Position] = []
    /// The deepest nesting of sequences and mappings seen, and where it was first reached.
    public private(set) var maxDepth = 0
    public private(set) var deepest: Position?

    /// Scans the events of `yaml` up to its end or to its first syntax error (left to the composer to report).
    public init(_ yaml: String) {
        var parser = yaml_parser_t()
        guard yaml_parser_initialize(&parser) == 1 else { return }
        defer { yaml_parser_delete(&parser) }
        let bytes = Array(yaml.utf8)
        bytes.withUnsafeBufferPointer { buffer in
            yaml_parser_set_input_string(&parser, buffer.baseAddress, buffer.count)
            var event = yaml_event_t()
            var depth = 0
            while yaml_parser_parse(&parser, &event) == 1 {
                let position = Position(line: Int(event.start_mark.line) + 1, column: Int(event.start_mark.column) + 1)
                let type = event.type
                switch type {
                case YAML_ALIAS_EVENT: aliases.append(position)
                case YAML_SCALAR_EVENT where event.data.scalar.anchor != nil: anchors.append(position)
                case YAML_SEQUENCE_START_EVENT where event.data.sequence_start.anchor != nil: anchors.append(position)
                case YAML_MAPPING_START_EVENT where event.data.mapping_start.anchor != nil: anchors.append(position)
                default: break
                }
                if type == YAML_SEQUENCE_START_EVENT || type == YAML_MAPPING_START_EVENT {
                    depth += 1
                    if depth > maxDepth { (maxDepth, deepest) = (depth, position) }
                } else if type == YAML_SEQUENCE_END_EVENT || type == YAML_MAPPING_END_EVENT {
                    depth -= 1
                }
                yaml_event_delete(&event)
                if type == YAML_STREAM_END_EVENT { break }
            }
        }
    }

    /// The first anchor or alias in the file.
    public var first: Position? {
        (anchors + aliases).min { ($0.line, $0.column) < ($1.line, $1.column) }
    }
}
