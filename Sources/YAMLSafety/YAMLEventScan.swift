// libyaml's C interface, the module Yams is built on. Yams hands out composed trees only, and composing
// already costs exponential time for an alias used as a mapping key (Yams hashes every key to find
// duplicates, and `? *lol9` hashes a billion nodes), and recursion as deep as the document nests:
// what makes a document too costly must be found from the parser's events, before composing. CYaml
// comes with the Yams package, so this adds no dependency.
import CYaml

/// What makes a document too costly to build, found from libyaml's events without building it:
/// anchors (`&name`) and aliases (`*name`), nesting deeper than `maxDepth`, keys and values longer
/// than `maxKeyBytes` / `maxValueBytes`, and more than `maxNodes` values in all.
///
/// Scenario and stack files refuse all of these, and a kubeconfig its aliases, depth and size: an alias is a reference, and a few nested ones (a
/// "billion laughs") make a kilobyte of YAML expand into gigabytes of values; a thousand open
/// brackets overflow the composer's stack. The scan takes time and memory linear in the text.
public struct YAMLEventScan: Sendable {
    /// 1-based line and column of an event.
    public struct Position: Equatable, Sendable {
        public let line: Int
        public let column: Int
    }

    /// Deeper nesting is refused; the deepest scenario or stack file nests about ten levels.
    public static let maxDepth = 64
    /// The longest key, in bytes: a Kubernetes label key (a 253-byte prefix, `/`, a 63-byte name) fits.
    public static let maxKeyBytes = 512
    /// The longest value, in bytes: a SQL query or a request body fits many times over.
    public static let maxValueBytes = 64 << 10
    /// The most scalars, mappings and lists in one document; the largest file of the project has under 500.
    public static let maxNodes = 100_000

    public private(set) var anchors: [Position] = []
    public private(set) var aliases: [Position] = []
    /// Where the document first nests deeper than `maxDepth`.
    public private(set) var tooDeep: Position?
    /// The first key longer than `maxKeyBytes`, with its length.
    public private(set) var longKey: (position: Position, bytes: Int)?
    /// The first value longer than `maxValueBytes`, with its length.
    public private(set) var longValue: (position: Position, bytes: Int)?
    /// Where the document's nodes first exceed `maxNodes`.
    public private(set) var tooMany: Position?

    /// Scans the events of `yaml` up to its end, its first syntax error (left to the composer to report)
    /// or its first node past a limit of depth or count (the rest is not read).
    public init(_ yaml: String) {
        var parser = yaml_parser_t()
        guard yaml_parser_initialize(&parser) == 1 else { return }
        defer { yaml_parser_delete(&parser) }
        var bytes = Array(yaml.utf8)
        if bytes.isEmpty { bytes = [0x0A] }
        bytes.withUnsafeBufferPointer { buffer in
            yaml_parser_set_input_string(&parser, buffer.baseAddress, buffer.count)
            // For each open mapping, whether its next scalar is a key; nil for an open list.
            var expectsKey: [Bool?] = []
            var nodes = 0
            var event = yaml_event_t()
            while yaml_parser_parse(&parser, &event) == 1 {
                let position = Position(line: Int(event.start_mark.line) + 1, column: Int(event.start_mark.column) + 1)
                let type = event.type
                defer { yaml_event_delete(&event) }
                // A node as a mapping's value or key flips what the mapping expects next.
                let isKey = expectsKey.last.flatMap { $0 } ?? false
                switch type {
                case YAML_ALIAS_EVENT:
                    aliases.append(position)
                case YAML_SCALAR_EVENT:
                    if event.data.scalar.anchor != nil { anchors.append(position) }
                    let length = event.data.scalar.length
                    if isKey, length > Self.maxKeyBytes, longKey == nil { longKey = (position, length) }
                    if !isKey, length > Self.maxValueBytes, longValue == nil { longValue = (position, length) }
                case YAML_SEQUENCE_START_EVENT, YAML_MAPPING_START_EVENT:
                    let anchored = type == YAML_SEQUENCE_START_EVENT ? event.data.sequence_start.anchor : event.data.mapping_start.anchor
                    if anchored != nil { anchors.append(position) }
                    if expectsKey.count >= Self.maxDepth {
                        tooDeep = position
                        return
                    }
                default: break
                }
                switch type {
                case YAML_ALIAS_EVENT, YAML_SCALAR_EVENT, YAML_SEQUENCE_START_EVENT, YAML_MAPPING_START_EVENT:
                    nodes += 1
                    if nodes > Self.maxNodes {
                        tooMany = position
                        return
                    }
                    if let last = expectsKey.last, let key = last { expectsKey[expectsKey.count - 1] = !key }
                default: break
                }
                switch type {
                case YAML_SEQUENCE_START_EVENT: expectsKey.append(nil)
                case YAML_MAPPING_START_EVENT: expectsKey.append(true)
                case YAML_SEQUENCE_END_EVENT, YAML_MAPPING_END_EVENT: expectsKey.removeLast()
                case YAML_STREAM_END_EVENT: return
                default: break
                }
            }
        }
    }

    /// The first anchor or alias in the file.
    public var firstReference: Position? {
        (anchors + aliases).min { ($0.line, $0.column) < ($1.line, $1.column) }
    }
}
