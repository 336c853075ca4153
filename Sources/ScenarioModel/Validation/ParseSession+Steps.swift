import Yams

/// Parsing of `steps`, their operations and `cleanup`.
extension ParseSession {
    static let stepKeys = ["name", "timeout", "action", "try", "catch", "finally", "continueOnError"]

    func steps(_ value: Located) -> [Step] {
        guard let items = reader.sequence(value, what: "of steps") else { return [] }
        if items.isEmpty { reader.error("needs at least one step", at: value.node, value.path) }
        var firstUse: [String: KeyPath] = [:]
        var steps: [Step] = []
        for item in items {
            guard let fields = reader.fields(item, allowed: Self.stepKeys, required: ["name"], what: "a step") else { continue }
            let name = fields.string("name", pattern: .dnsLabel)
            if let name, let at = fields.value("name") {
                if let first = firstUse[name] {
                    reader.error("duplicate step name \"\(name)\" (first used by \(first)); step names must be unique",
                                 at: at.node, at.path)
                } else {
                    firstUse[name] = item.path
                    stepNames.append(name)
                    stepNameSet.insert(name)
                }
            }
            let timeout = fields.has("timeout") ? fields.duration("timeout") : Step.defaultTimeout
            var tryOperations: [StepOperation] = []
            switch fields.exactlyOne(of: ["action", "try"]) {
            case "action": tryOperations = fields.value("action").flatMap { operation($0, allowTimeout: false) }.map { [$0] } ?? []
            case "try":
                if let list = fields.value("try") {
                    tryOperations = operations(list)
                    if case .sequence(let nodes) = list.node, nodes.isEmpty {
                        reader.error("needs at least one operation", at: list.node, list.path)
                    }
                }
            default: break
            }
            let catchOperations = fields.value("catch").map { operations($0) } ?? []
            let finallyOperations = fields.value("finally").map { operations($0) } ?? []
            let continueOnError = fields.has("continueOnError") ? fields.bool("continueOnError") : false
            if let timeout, let list = fields.value("try") {
                checkOperationTimeouts(list, within: timeout)
            }
            guard let name, let timeout, let continueOnError else { continue }
            steps.append(Step(name: name, timeout: timeout, tryOperations: tryOperations, catchOperations: catchOperations,
                              finallyOperations: finallyOperations, continueOnError: continueOnError))
        }
        return steps
    }

    /// A list of operations (`try`, `catch`, `finally`, `cleanup`).
    func operations(_ value: Located) -> [StepOperation] {
        guard let items = reader.sequence(value, what: "of actions") else { return [] }
        return items.compactMap { operation($0, allowTimeout: true) }
    }

    /// One operation: a mapping with one action key (and, in lists, an optional `timeout`).
    func operation(_ value: Located, allowTimeout: Bool) -> StepOperation? {
        guard let (kind, body, fields) = reader.oneOf(value, kinds: Action.kindNames,
                                                      extra: allowTimeout ? ["timeout"] : [], noun: "action") else { return nil }
        let timeout = fields.has("timeout") ? fields.duration("timeout") : nil
        guard let action = action(kind, body), !(fields.has("timeout") && timeout == nil) else { return nil }
        return StepOperation(action, timeout: timeout)
    }

    /// StepOperation timeouts longer than their step's timeout can never be reached.
    private func checkOperationTimeouts(_ list: Located, within stepTimeout: ScenarioDuration) {
        guard case .sequence(let nodes) = list.node else { return }
        for (index, node) in nodes.enumerated() {
            guard case .mapping(let mapping) = node, let raw = mapping["timeout"], let text = raw.scalar?.string,
                  let timeout = ScenarioDuration(parsing: text), timeout > stepTimeout else { continue }
            reader.error("operation timeout \(timeout) is longer than the step's timeout \(stepTimeout); raise the step's timeout",
                         at: raw, list.path.index(index).key("timeout"))
        }
    }
}
