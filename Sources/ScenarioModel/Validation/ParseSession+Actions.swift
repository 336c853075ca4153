import Yams

/// Parsing of each action's body.
extension ParseSession {
    func action(_ kind: String, _ body: Located) -> Action? {
        switch kind {
        case "deletePod": return deletePod(body).map(Action.deletePod)
        case "killContainer": return killContainer(body).map(Action.killContainer)
        case "freeze": return freeze(body).map(Action.freeze)
        case "stress": return stress(body).map(Action.stress)
        case "fillVolume": return fillVolume(body).map(Action.fillVolume)
        case "rollingUpdate": return rollingUpdate(body).map(Action.rollingUpdate)
        case "scale": return scale(body).map(Action.scale)
        case "restartPostgres": return restartPostgres(body).map(Action.restartPostgres)
        case "restartCluster": return restartCluster(body).map(Action.restartCluster)
        case "networkFault": return networkFault(body).map(Action.networkFault)
        case "nodeFault": return nodeFault(body).map(Action.nodeFault)
        case "wait": return wait(body).map(Action.wait)
        case "http": return httpAction(body).map(Action.http)
        case "collectDiagnostics": return collectDiagnostics(body).map(Action.collectDiagnostics)
        default: return nil
        }
    }

    /// `workload: backend` or `selector: {labels}`; exactly one.
    func podTarget(_ fields: Fields, required: Bool = true) -> PodTarget?? {
        if !required && !fields.has("workload") && !fields.has("selector") { return .some(nil) }
        switch fields.exactlyOne(of: ["workload", "selector"]) {
        case "workload": return workloadName(fields, "workload").map { .some(.workload($0)) }
        case "selector":
            guard let labels = fields.value("selector").flatMap(reader.labels) else { return nil }
            if labels.isEmpty { fields.error("needs at least one label", at: "selector"); return nil }
            return .some(.labels(labels))
        default: return nil
        }
    }

    /// A workload the stack file names.
    func workloadName(_ fields: Fields, _ key: String) -> String? {
        fields.choice(key, stack.workloads.map(\.name), noun: "workload")
    }

    /// Fields of a body that may also be written as nothing (`restartPostgres:` or `restartPostgres: {}`).
    func optionalBody(_ body: Located, allowed: [String], required: [String] = []) -> Fields? {
        if case .scalar = body.node, ScalarKind(body.node) == .null, required.isEmpty {
            return Fields(owner: body, members: [], reader: reader)
        }
        return reader.fields(body, allowed: allowed, required: required)
    }

    func deletePod(_ body: Located) -> DeletePodAction? {
        guard let fields = reader.fields(body, allowed: ["workload", "selector", "count", "pick", "grace", "force"]) else { return nil }
        let target = podTarget(fields)
        let count = fields.has("count") ? fields.int("count", min: 1, max: 100) : 1
        let pick = fields.has("pick") ? fields.choice("pick", PodPick.allCases.map(\.rawValue)).flatMap(PodPick.init) : .random
        let grace = fields.has("grace") ? fields.duration("grace", allowZero: true) : nil
        let force = fields.has("force") ? fields.bool("force") : false
        if force == true && fields.has("grace") {
            fields.error("grace and force: true exclude each other (a forced delete has grace 0s); keep one", at: "grace")
            return nil
        }
        guard let target = target.flatMap({ $0 }), let count, let pick, let force, !(fields.has("grace") && grace == nil) else { return nil }
        return DeletePodAction(target: target, count: count, pick: pick, grace: grace, force: force)
    }

    func killContainer(_ body: Located) -> KillContainerAction? {
        guard let fields = reader.fields(body, allowed: ["workload", "selector", "count", "pick", "container", "signal"]) else { return nil }
        let target = podTarget(fields)
        let count = fields.has("count") ? fields.int("count", min: 1, max: 100) : 1
        let pick = fields.has("pick") ? fields.choice("pick", PodPick.allCases.map(\.rawValue)).flatMap(PodPick.init) : .random
        let container = fields.has("container") ? fields.string("container", pattern: .dnsLabel) : nil
        let signal = fields.has("signal") ? fields.choice("signal", KillSignal.allCases.map(\.rawValue), noun: "signal")
            .flatMap(KillSignal.init) : .kill
        guard let target = target.flatMap({ $0 }), let count, let pick, let signal,
              !(fields.has("container") && container == nil) else { return nil }
        return KillContainerAction(target: target, count: count, pick: pick, container: container, signal: signal)
    }

    func freeze(_ body: Located) -> FreezeAction? {
        guard let fields = reader.fields(body, allowed: ["workload", "selector", "count", "pick", "container", "duration"],
                                         required: ["duration"]) else { return nil }
        let target = podTarget(fields)
        let count = fields.has("count") ? fields.int("count", min: 1, max: 100) : 1
        let pick = fields.has("pick") ? fields.choice("pick", PodPick.allCases.map(\.rawValue)).flatMap(PodPick.init) : .random
        let container = fields.has("container") ? fields.string("container", pattern: .dnsLabel) : nil
        let duration = fields.duration("duration")
        guard let target = target.flatMap({ $0 }), let count, let pick, let duration,
              !(fields.has("container") && container == nil) else { return nil }
        return FreezeAction(target: target, count: count, pick: pick, container: container, duration: duration)
    }

    func stress(_ body: Located) -> StressAction? {
        let sizes = StressAction.Resource.allCases.map(\.sizeKey.key)
        guard let fields = reader.fields(body, allowed: ["workload", "selector", "count", "pick", "container", "resource", "duration"] + sizes,
                                         required: ["resource", "duration"]) else { return nil }
        let target = podTarget(fields)
        let count = fields.has("count") ? fields.int("count", min: 1, max: 100) : 1
        let pick = fields.has("pick") ? fields.choice("pick", PodPick.allCases.map(\.rawValue)).flatMap(PodPick.init) : .random
        let container = fields.has("container") ? fields.string("container", pattern: .dnsLabel) : nil
        let resource = fields.choice("resource", StressAction.Resource.allCases.map(\.rawValue), noun: "resource")
            .flatMap(StressAction.Resource.init)
        // More workers than this would measure the node, not the container: its CPU limit caps them anyway.
        let workers = fields.has("workers") ? fields.int("workers", min: 1, max: 16) : nil
        // Up to four times the limit: a breach needs no more, and the stressor's memory is the node's.
        let percent = fields.has("percent") ? fields.number("percent", min: 0, max: 400, minExclusive: true) : nil
        let duration = fields.duration("duration")
        if let resource {
            let size = resource.sizeKey
            if !fields.has(size.key) {
                fields.error("resource \(resource.rawValue) needs \"\(size.key)\" (e.g. \(size.example))", at: "resource")
                return nil
            }
            if let stray = sizes.first(where: { fields.has($0) && $0 != size.key }) {
                fields.error("\"\(stray)\" sizes another resource's stress; resource \(resource.rawValue) takes \"\(size.key)\"", at: stray)
                return nil
            }
        }
        guard let target = target.flatMap({ $0 }), let count, let pick, let resource, let duration,
              !(fields.has("container") && container == nil), !(fields.has("workers") && workers == nil),
              !(fields.has("percent") && percent == nil) else { return nil }
        return StressAction(target: target, count: count, pick: pick, container: container, resource: resource,
                            workers: workers, percent: percent, duration: duration)
    }

    func fillVolume(_ body: Located) -> FillVolumeAction? {
        guard let fields = reader.fields(body, allowed: ["workload", "selector", "count", "pick", "volume", "duration"],
                                         required: ["volume", "duration"]) else { return nil }
        let target = podTarget(fields)
        let count = fields.has("count") ? fields.int("count", min: 1, max: 100) : 1
        let pick = fields.has("pick") ? fields.choice("pick", PodPick.allCases.map(\.rawValue)).flatMap(PodPick.init) : .random
        let volume = fields.string("volume", pattern: .dnsLabel)
        let duration = fields.duration("duration")
        guard let target = target.flatMap({ $0 }), let count, let pick, let volume, let duration else { return nil }
        return FillVolumeAction(target: target, count: count, pick: pick, volume: volume, duration: duration)
    }

    func nodeFault(_ body: Located) -> NodeFaultAction? {
        guard let fields = reader.fields(body, allowed: ["mode", "node", "nodeOf", "duration"], required: ["mode", "duration"]) else { return nil }
        let mode = fields.choice("mode", NodeFaultAction.Mode.allCases.map(\.rawValue), noun: "mode").flatMap(NodeFaultAction.Mode.init)
        let duration = fields.duration("duration")
        var node: NodeFaultAction.NodeTarget?
        switch fields.exactlyOne(of: ["node", "nodeOf"]) {
        case "node": node = fields.string("node", pattern: .dnsSubdomain).map(NodeFaultAction.NodeTarget.name)
        case "nodeOf":
            if let inner = fields.value("nodeOf"), let pods = reader.fields(inner, allowed: ["workload", "selector"]) {
                node = podTarget(pods).flatMap { $0 }.map(NodeFaultAction.NodeTarget.nodeOf)
            }
        default: break
        }
        if let duration, duration.seconds < Double(NodeFaultAction.minimumSeconds) {
            fields.error("must be at least \(NodeFaultAction.minimumSeconds)s: a stop or cut is verified by the node's lease renewals (every 10s) stopping, and a drain waits for its pods to go", at: "duration")
            return nil
        }
        guard let mode, let duration, let node else { return nil }
        return NodeFaultAction(mode: mode, node: node, duration: duration)
    }

    func rollingUpdate(_ body: Located) -> RollingUpdateAction? {
        guard let fields = reader.fields(body, allowed: ["workload", "toVersion", "wait", "env"], required: ["workload", "toVersion"]) else { return nil }
        let workload = workloadName(fields, "workload")
        let version = fields.string("toVersion", pattern: .version)
        let wait = fields.has("wait") ? fields.bool("wait") : true
        let env = fields.has("env") ? fields.value("env").flatMap { reader.stringMap($0, keys: .environmentName) } : [:]
        let setting = workload.flatMap { stack.workload($0)?.version }
        if let workload, setting == nil {
            fields.error(Self.noVersionSetting(workload), at: "toVersion")
            return nil
        }
        if let variable = setting?.env, env?[variable] != nil {
            fields.error("env sets \(variable), which toVersion sets; remove it from env", at: "env")
            return nil
        }
        guard let workload, let version, let wait, let env else { return nil }
        return RollingUpdateAction(workload: workload, toVersion: version, wait: wait, env: env)
    }

    func scale(_ body: Located) -> ScaleAction? {
        guard let fields = reader.fields(body, allowed: ["workload", "replicas", "wait"], required: ["workload", "replicas"]) else { return nil }
        let workload = workloadName(fields, "workload")
        let replicas = fields.int("replicas", min: 0, max: 50)
        let wait = fields.has("wait") ? fields.bool("wait") : true
        guard let workload, let replicas, let wait else { return nil }
        return ScaleAction(workload: workload, replicas: replicas, wait: wait)
    }

    func restartPostgres(_ body: Located) -> RestartPostgresAction? {
        guard let fields = optionalBody(body, allowed: ["force"]) else { return nil }
        if stack.workload(role: .database) == nil {
            reader.error("restartPostgres restarts the stack's database, but \(stack.file) gives no workload the role database",
                         at: body.node, body.path)
            return nil
        }
        let force = fields.has("force") ? fields.bool("force") : false
        return force.map { RestartPostgresAction(force: $0) }
    }

    func restartCluster(_ body: Located) -> RestartClusterAction? {
        guard let fields = optionalBody(body, allowed: ["downFor"]) else { return nil }
        let downFor = fields.has("downFor") ? fields.duration("downFor", allowZero: true) : ScenarioDuration(milliseconds: 0)
        return downFor.map { RestartClusterAction(downFor: $0) }
    }

    func networkFault(_ body: Located) -> NetworkFaultAction? {
        let tuning = ["delay", "jitter", "percent"]
        guard let fields = reader.fields(body, allowed: ["workload", "mode", "duration", "method"] + tuning,
                                         required: ["workload", "mode", "duration"]) else { return nil }
        let workload = workloadName(fields, "workload")
        let mode = fields.choice("mode", NetworkFaultMode.allCases.map(\.rawValue), noun: "mode").flatMap(NetworkFaultMode.init)
        let delay = fields.has("delay") ? fields.duration("delay") : nil
        let jitter = fields.has("jitter") ? fields.duration("jitter") : nil
        let percent = fields.has("percent") ? fields.number("percent", min: 0, max: 100, minExclusive: true) : nil
        let duration = fields.duration("duration")
        let method = fields.has("method") ? fields.choice("method", NetworkFaultMethod.allCases.map(\.rawValue), noun: "method")
            .flatMap(NetworkFaultMethod.init) : .auto
        if let mode {
            if let required = mode.requiredKey, !fields.has(required.key) {
                fields.error("mode \(mode.rawValue) needs \"\(required.key)\" (e.g. \(required.example))", at: "mode")
                return nil
            }
            if let stray = tuning.first(where: { fields.has($0) && !mode.tuningKeys.contains($0) }) {
                let owner = NetworkFaultMode.allCases.first { $0.tuningKeys.contains(stray) }?.rawValue ?? "?"
                fields.error("mode \(mode.rawValue) \(mode.summary); \"\(stray)\" applies to mode \(owner) only", at: stray)
                return nil
            }
            if mode != .cut, method == .networkPolicy {
                fields.error("a NetworkPolicy can only cut traffic; use method netem (or auto) for mode \(mode.rawValue)", at: "method")
                return nil
            }
        }
        guard let workload, let mode, let duration, let method, !(fields.has("delay") && delay == nil), !(fields.has("jitter") && jitter == nil),
              !(fields.has("percent") && percent == nil) else { return nil }
        return NetworkFaultAction(workload: workload, mode: mode, delay: delay, jitter: jitter, percent: percent, duration: duration, method: method)
    }

    func wait(_ body: Located) -> WaitAction? {
        if case .scalar = body.node {
            return reader.duration(body).map(WaitAction.duration)
        }
        guard let fields = reader.fields(body, allowed: ["duration", "condition"]) else { return nil }
        switch fields.exactlyOne(of: ["duration", "condition"]) {
        case "duration": return fields.duration("duration").map(WaitAction.duration)
        case "condition": return fields.value("condition").flatMap(waitCondition).map(WaitAction.condition)
        default: return nil
        }
    }

    func waitCondition(_ value: Located) -> WaitCondition? {
        guard let (kind, body, _) = reader.oneOf(value, kinds: ["workloadReady", "rolloutComplete", "http", "replicas"], extra: [],
                                                 noun: "wait condition") else { return nil }
        switch kind {
        case "workloadReady":
            return reader.choice(body, stack.workloads.map(\.name), noun: "workload").map(WaitCondition.workloadReady)
        case "rolloutComplete":
            return reader.choice(body, stack.workloads.map(\.name), noun: "workload").map(WaitCondition.rolloutComplete)
        case "replicas":
            guard let fields = reader.fields(body, allowed: ["workload", "atLeast", "atMost"], required: ["workload"]) else { return nil }
            let workload = fields.value("workload").flatMap { reader.choice($0, stack.workloads.map(\.name), noun: "workload") }
            let atLeast = fields.has("atLeast") ? fields.int("atLeast", min: 0, max: 50) : nil
            let atMost = fields.has("atMost") ? fields.int("atMost", min: 0, max: 50) : nil
            if !fields.has("atLeast") && !fields.has("atMost") {
                reader.error("`replicas` needs `atLeast`, `atMost` or both", at: body.node, body.path)
                return nil
            }
            if let atLeast, let atMost, atLeast > atMost {
                reader.error("`atLeast` (\(atLeast)) is more than `atMost` (\(atMost)): no replica count meets both", at: body.node, body.path)
                return nil
            }
            guard let workload, fields.has("atLeast") == (atLeast != nil), fields.has("atMost") == (atMost != nil) else { return nil }
            return .replicas(ReplicaBounds(workload: workload, atLeast: atLeast, atMost: atMost))
        default:
            guard let fields = reader.fields(body, allowed: HTTPKeys.request + ["expect"], required: ["path"]) else { return nil }
            return httpCheck(fields).map(WaitCondition.http)
        }
    }

    func httpAction(_ body: Located) -> HTTPAction? {
        guard let fields = reader.fields(body, allowed: HTTPKeys.request + ["expectStatus", "repeat"], required: ["path"]) else { return nil }
        let request = httpRequest(fields)
        let status = fields.value("expectStatus").map(statusList) ?? []
        let repeatCount = fields.has("repeat") ? fields.int("repeat", min: 1, max: 10_000) : 1
        guard let request, let status, let repeatCount else { return nil }
        return HTTPAction(request: request, expectStatus: status, repeatCount: repeatCount)
    }

    func collectDiagnostics(_ body: Located) -> CollectDiagnosticsAction? {
        guard let fields = optionalBody(body, allowed: ["workload", "selector", "logs", "events"]) else { return nil }
        let target = podTarget(fields, required: false)
        let logs = fields.has("logs") ? fields.bool("logs") : true
        let events = fields.has("events") ? fields.bool("events") : true
        guard let target, let logs, let events else { return nil }
        return CollectDiagnosticsAction(target: target, logs: logs, events: events)
    }
}
