import Yams

/// The resolved type of a scalar (YAML 1.1 core rules, as Yams and PyYAML resolve them).
enum ScalarKind: Equatable {
    case string, int, float, bool, null, other

    init(_ node: Node) {
        switch node.tag.description {
        case "tag:yaml.org,2002:str": self = .string
        case "tag:yaml.org,2002:int": self = .int
        case "tag:yaml.org,2002:float": self = .float
        case "tag:yaml.org,2002:bool": self = .bool
        case "tag:yaml.org,2002:null": self = .null
        case "tag:yaml.org,2002:timestamp": self = .string
        default: self = .other
        }
    }
}
