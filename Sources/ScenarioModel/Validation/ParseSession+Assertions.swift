import LabrunCore

/// Parsing of `assertions` and steady-state `checks`.
extension ParseSession {
    /// A list of assertions; `only` restricts the kinds (steady-state checks).
    func assertions(_ value: Located, only: [String]? = nil) -> [Assertion] {
        guard let items = reader.sequence(value, what: "of assertions") else { return [] }
        return items.compactMap { assertion($0, only: only) }
    }

    func assertion(_ value: Located, only: [String]?) -> Assertion? {
        guard let (kind, body, fields) = reader.oneOf(value, kinds: AssertionKind.kindNames, extra: ["name"], noun: "assertion")
        else { return nil }
        if let only, !only.contains(kind), let keyNode = fields.keyNode(kind) {
            reader.error("\(kind) cannot be a steady-state check (use \(only.joined(separator: ", ")))", at: keyNode, body.path)
            return nil
        }
        let name = fields.has("name") ? fields.string("name") : nil
        let parsed: AssertionKind?
        switch kind {
        case "http": parsed = httpAssertion(body, steadyState: only != nil).map(AssertionKind.http)
        case "sql": parsed = sqlAssertion(body, steadyState: only != nil).map(AssertionKind.sql)
        case "kubernetes": parsed = kubernetesAssertion(body).map(AssertionKind.kubernetes)
        case "recoveryTime": parsed = recoveryTime(body).map(AssertionKind.recoveryTime)
        case "slo": parsed = sloAssertion(body).map(AssertionKind.slo)
        case "writeLedger": parsed = writeLedger(body).map(AssertionKind.writeLedger)
        case "versionAccounting": parsed = versionAccounting(body).map(AssertionKind.versionAccounting)
        case "throughput": parsed = throughput(body).map(AssertionKind.throughput)
        case "servingPods": parsed = servingPods(body).map(AssertionKind.servingPods)
        case "pods": parsed = podsAssertion(body).map(AssertionKind.pods)
        case "isolation": parsed = isolation(body).map(AssertionKind.isolation)
        case "sessions": parsed = sessions(body).map(AssertionKind.sessions)
        default: parsed = nil
        }
        if parsed != nil, let missing = missingStackPart(for: kind), let keyNode = fields.keyNode(kind) {
            reader.error("\(kind) needs \(missing) in the stack file \(stack.file)", at: keyNode, body.path)
            return nil
        }
        if let parsed, parsed.needsLoad, let keyNode = fields.keyNode(kind) {
            loadUsers.append(("\(kind) reads the background load's requests", Located(node: keyNode, path: body.path)))
        }
        guard let parsed, !(fields.has("name") && name == nil) else { return nil }
        return Assertion(name: name, parsed)
    }

    /// What an assertion kind reads from the stack file that this stack does not declare, or nil.
    func missingStackPart(for kind: String) -> String? {
        switch kind {
        case "sql": return stack.database == nil ? "a database section" : nil
        case "writeLedger": return stack.ledgers.isEmpty ? "a ledger section" : nil
        case "versionAccounting": return stack.headers.version == nil ? "headers.version" : nil
        case "servingPods": return stack.headers.servedBy == nil ? "headers.servedBy" : nil
        case "isolation": return stack.traffic.ownerPointers.isEmpty ? "traffic.isolation" : nil
        case "sessions":
            if stack.traffic.session == nil { return "traffic.session" }
            return stack.headers.servedBy == nil ? "headers.servedBy" : nil
        default: return nil
        }
    }

    /// `http: {request keys, expect?, timeout?, repeat?}`, or as an invariant `{…, throughout, every?, allowUnavailable?}`
    /// (not in a steady-state check). An invariant samples one request: it takes neither `repeat` nor `timeout`.
    func httpAssertion(_ body: Located, steadyState: Bool = false) -> HTTPAssertion? {
        guard let fields = reader.fields(body, allowed: HTTPKeys.request + ["expect", "timeout", "repeat"] + Self.invariantKeys,
                                         required: ["path"])
        else { return nil }
        let check = httpCheck(fields)
        let timeout = fields.has("timeout") ? fields.duration("timeout") : HTTPAssertion.defaultTimeout
        let repeatCount = fields.has("repeat") ? fields.int("repeat", min: 1, max: 10_000) : 1
        let invariant = self.invariant(fields, steadyState: steadyState, excluding: [
            "timeout": "an invariant is sampled for its whole window, not polled until it matches",
            "repeat": "an invariant samples one request; write one assertion per request",
        ])
        guard let check, let timeout, let repeatCount, invariant.valid else { return nil }
        return HTTPAssertion(check: check, timeout: timeout, repeatCount: repeatCount, invariant: invariant.value)
    }

    /// The keys that make an `http` or `sql` assertion an invariant.
    static let invariantKeys = ["throughout", "every", "allowUnavailable"]

    /// The invariant form of an `http` or `sql` assertion: `throughout` (a phase — `before`, `during`,
    /// `after` — or else a step's name, as `pods.during`), `every` (within `Invariant.everyRange`) and
    /// `allowUnavailable`. `valid` is false when something was wrong (and said); `value` is nil without `throughout`.
    /// `excluding`: keys that mean nothing with `throughout`, and why.
    func invariant(_ fields: Fields, steadyState: Bool, excluding: [String: String]) -> (value: Invariant?, valid: Bool) {
        let present = Self.invariantKeys.filter(fields.has)
        guard let key = present.first else { return (nil, true) }
        if steadyState {
            fields.error("\"\(key)\" makes an invariant, which a steady-state check cannot be (it is polled before and after "
                         + "the steps); move it to assertions", at: key)
            return (nil, false)
        }
        guard fields.has("throughout") else {
            fields.error("\"\(key)\" applies with \"throughout\" only", at: key)
            return (nil, false)
        }
        var valid = true
        for conflict in excluding.keys.sorted() where fields.has(conflict) {
            fields.error("\"\(conflict)\" and \"throughout\" exclude each other (\(excluding[conflict] ?? "")); keep one", at: conflict)
            valid = false
        }
        var throughout: String?
        if let text = fields.string("throughout") {
            if let phase = Phase(rawValue: text), let at = fields.value("throughout") {
                loadUsers.append(("throughout: \(phase.rawValue) is a phase of the background load", at))
                throughout = text
            } else {
                throughout = stepReference(fields, "throughout")
            }
        }
        var every: ScenarioDuration? = Invariant.defaultEvery
        if let raw = fields.value("every") {
            every = reader.duration(raw)
            let range = Invariant.everyRange
            if let length = every, !range.contains(length) {
                reader.error("must be between \(range.lowerBound) and \(range.upperBound), got \(length)", at: raw.node, raw.path)
                every = nil
            }
        }
        let allowUnavailable = fields.has("allowUnavailable") ? fields.bool("allowUnavailable") : false
        guard valid, let throughout, let every, let allowUnavailable else { return (nil, false) }
        return (Invariant(throughout: throughout, every: every, allowUnavailable: allowUnavailable), true)
    }

    /// `sql: {query, params?, expect, timeout?}`, or as an invariant `{…, throughout, every?, allowUnavailable?}`
    /// (not in a steady-state check; no `timeout`).
    func sqlAssertion(_ body: Located, steadyState: Bool = false) -> SQLAssertion? {
        guard let fields = reader.fields(body, allowed: ["query", "params", "expect", "timeout"] + Self.invariantKeys,
                                         required: ["query", "expect"]) else { return nil }
        let query = fields.string("query")
        var params: [JSONValue]? = []
        if let list = fields.sequence("params") {
            let values = list.map { item -> JSONValue? in
                if case .scalar = item.node { return reader.json(item) }
                reader.typeError(expected: "a string, number, boolean or null", item)
                return nil
            }
            params = values.contains(where: { $0 == nil }) ? nil : values.compactMap { $0 }
        } else if fields.has("params") { params = nil }
        let expect = fields.value("expect").flatMap(sqlExpectation)
        let timeout = fields.has("timeout") ? fields.duration("timeout") : SQLAssertion.defaultTimeout
        let invariant = self.invariant(fields, steadyState: steadyState, excluding: [
            "timeout": "an invariant is sampled for its whole window, not polled until it matches",
        ])
        if let query, let refusal = ReadOnlySQL.refusal(query), let at = fields.value("query") {
            // labrun's SQL only reads (see ReadOnlySQL); said here, before anything runs.
            reader.error("the query is not run: \(refusal)", at: at.node, at.path)
            return nil
        }
        if let query, let params {
            let highest = Self.highestPlaceholder(in: query)
            if highest != params.count, let at = fields.value(fields.has("params") ? "params" : "query") {
                let uses = highest == 0 ? "no parameters" : "parameters up to $\(highest)"
                reader.error("the query uses \(uses) but \"params\" has \(params.count) value(s)", at: at.node, at.path)
                return nil
            }
        }
        guard let query, let params, let expect, let timeout, invariant.valid else { return nil }
        return SQLAssertion(query: query, params: params, expect: expect, timeout: timeout, invariant: invariant.value)
    }

    func sqlExpectation(_ value: Located) -> SQLExpectation? {
        guard let fields = reader.fields(value, allowed: ["rows", "value", "rowCount", "ordered"]) else { return nil }
        let ordered = fields.has("ordered") ? fields.bool("ordered") : false
        if fields.has("ordered") && !fields.has("rows") {
            fields.error("\"ordered\" applies to \"rows\" only", at: "ordered")
            return nil
        }
        switch fields.exactlyOne(of: ["rows", "value", "rowCount"]) {
        case "rows":
            guard let items = fields.sequence("rows"), let ordered else { return nil }
            var rows: [[String: JSONValue]] = []
            for item in items {
                guard case .mapping = item.node else {
                    reader.typeError(expected: "a mapping of column to value", item)
                    return nil
                }
                guard case .object(let row)? = reader.json(item) else { return nil }
                rows.append(row)
            }
            return .rows(rows, ordered: ordered)
        case "value": return fields.json("value").map(SQLExpectation.value)
        case "rowCount": return fields.int("rowCount", min: 0).map(SQLExpectation.rowCount)
        default: return nil
        }
    }

    /// The highest `$n` placeholder in a query (0 when there is none).
    static func highestPlaceholder(in query: String) -> Int {
        var highest = 0
        var index = query.startIndex
        while let dollar = query[index...].firstIndex(of: "$") {
            let digits = query[query.index(after: dollar)...].prefix { $0.isASCII && $0.isNumber }
            if let number = Int(digits) { highest = max(highest, number) }
            index = query.index(after: dollar)
        }
        return highest
    }

    func kubernetesAssertion(_ body: Located) -> KubernetesAssertion? {
        guard let fields = reader.fields(body, allowed: ["apiVersion", "kind", "name", "namespace", "expect", "timeout"],
                                         required: ["apiVersion", "kind", "name", "expect"]) else { return nil }
        let apiVersion = fields.string("apiVersion")
        let kind = fields.string("kind")
        let name = fields.string("name", pattern: .objectName)
        let namespace = fields.has("namespace") ? fields.string("namespace", pattern: .dnsLabel) : nil
        var expect: JSONValue?
        if let raw = fields.value("expect") {
            if case .mapping = raw.node { expect = reader.json(raw) } else { reader.typeError(expected: "a partial object (a mapping)", raw) }
        }
        let timeout = fields.has("timeout") ? fields.duration("timeout") : KubernetesAssertion.defaultTimeout
        guard let apiVersion, let kind, let name, let expect, let timeout, !(fields.has("namespace") && namespace == nil) else { return nil }
        return KubernetesAssertion(apiVersion: apiVersion, kind: kind, name: name, namespace: namespace, expect: expect, timeout: timeout)
    }

    func recoveryTime(_ body: Located) -> RecoveryTimeAssertion? {
        guard let fields = reader.fields(body, allowed: ["what", "workload", "after", "within"], required: ["what", "after", "within"])
        else { return nil }
        let measure = fields.choice("what", RecoveryMeasure.allCases.map(\.rawValue), noun: "measure").flatMap(RecoveryMeasure.init)
        let workload = fields.has("workload") ? workloadName(fields, "workload") : nil
        if measure == .replicasReady && !fields.has("workload") {
            fields.error("what: replicasReady needs \"workload\" (a workload of the stack file)", at: "what")
            return nil
        }
        if let measure, measure != .replicasReady, fields.has("workload") {
            fields.error("\"workload\" applies to what: replicasReady only", at: "workload")
            return nil
        }
        let after = stepReference(fields, "after")
        let within = fields.duration("within")
        guard let measure, let after, let within, !(fields.has("workload") && workload == nil) else { return nil }
        return RecoveryTimeAssertion(measure: measure, workload: workload, after: after, within: within)
    }

    /// A step name, checked against the steps once all are known.
    func stepReference(_ fields: Fields, _ key: String) -> String? {
        guard let name = fields.string(key), let at = fields.value(key) else { return nil }
        stepReferences.append((name, at))
        return name
    }

    func sloAssertion(_ body: Located) -> SLOAssertion? {
        guard let (bounds, fields) = sloBounds(body, extra: ["phase"], required: ["phase"]) else { return nil }
        return fields.phase("phase").map { SLOAssertion(phase: $0, bounds: bounds) }
    }

    func writeLedger(_ body: Located) -> WriteLedgerAssertion? {
        guard let fields = optionalBody(body, allowed: ["ledger", "maxLost", "maxDuplicated", "maxUnexpected", "allowRecovered", "readEvery"])
        else { return nil }
        var ledger: String?
        if let raw = fields.value("ledger"), let name = reader.string(raw) {
            ledger = name
            let names = stack.ledgers.map(\.name)
            if !names.isEmpty, !names.contains(name) {
                reader.error(Suggestion.unknown("ledger", name, names), at: raw.node, raw.path)
                return nil
            }
        } else if fields.has("ledger") {
            return nil
        }
        let maxLost = fields.has("maxLost") ? fields.int("maxLost", min: 0) : 0
        let maxDuplicated = fields.has("maxDuplicated") ? fields.int("maxDuplicated", min: 0) : 0
        let maxUnexpected = fields.has("maxUnexpected") ? fields.int("maxUnexpected", min: 0) : 0
        let allowRecovered = fields.has("allowRecovered") ? fields.bool("allowRecovered") : true
        var readEvery: ScenarioDuration? = .seconds(1)
        if let raw = fields.value("readEvery") {
            readEvery = reader.duration(raw)
            let range = WriteLedgerAssertion.readEveryRange
            if let every = readEvery, !range.contains(every) {
                reader.error("must be between \(range.lowerBound) and \(range.upperBound), got \(every)", at: raw.node, raw.path)
                readEvery = nil
            }
        }
        guard let maxLost, let maxDuplicated, let maxUnexpected, let allowRecovered, let readEvery else { return nil }
        return WriteLedgerAssertion(ledger: ledger, maxLost: maxLost, maxDuplicated: maxDuplicated, maxUnexpected: maxUnexpected,
                                    allowRecovered: allowRecovered, readEvery: readEvery)
    }

    func versionAccounting(_ body: Located) -> VersionAccountingAssertion? {
        guard let fields = reader.fields(body, allowed: ["during", "expectFinal", "expectVersions", "maxFailed"],
                                         required: ["expectFinal"]) else { return nil }
        let during = fields.has("during") ? stepReference(fields, "during") : nil
        let final = fields.string("expectFinal", pattern: .version)
        var versions: [String]? = []
        if let list = fields.sequence("expectVersions") {
            let parsed = list.map { reader.string($0, pattern: .version) }
            versions = parsed.contains(where: { $0 == nil }) ? nil : parsed.compactMap { $0 }
            if let versions, let final, !versions.isEmpty, !versions.contains(final), let at = fields.value("expectVersions") {
                reader.error("does not list the final version \"\(final)\"", at: at.node, at.path)
            }
        } else if fields.has("expectVersions") { versions = nil }
        let maxFailed = fields.has("maxFailed") ? fields.int("maxFailed", min: 0) : 0
        guard let final, let versions, let maxFailed, !(fields.has("during") && during == nil) else { return nil }
        return VersionAccountingAssertion(during: during, expectFinal: final, expectVersions: versions, maxFailed: maxFailed)
    }

    func throughput(_ body: Located) -> ThroughputAssertion? {
        guard let fields = reader.fields(body, allowed: ["phase", "minPercentOfTarget", "comparedTo", "minRatio", "within"], required: ["phase"])
        else { return nil }
        let within = fields.has("within") ? fields.duration("within") : nil
        let phase = fields.phase("phase")
        let percent = fields.has("minPercentOfTarget") ? fields.number("minPercentOfTarget", min: 0, max: 100, minExclusive: true) : nil
        let comparedTo = fields.has("comparedTo") ? fields.phase("comparedTo") : nil
        let ratio = fields.has("minRatio") ? fields.number("minRatio", min: 0, minExclusive: true) : 1
        if !fields.has("minPercentOfTarget") && !fields.has("comparedTo") {
            reader.error("needs \"minPercentOfTarget\" or \"comparedTo\" (or both)", at: body.node, body.path)
            return nil
        }
        if fields.has("minRatio") && !fields.has("comparedTo") {
            fields.error("\"minRatio\" applies with \"comparedTo\" only", at: "minRatio")
            return nil
        }
        if let phase, let comparedTo, phase == comparedTo {
            fields.error("compares phase \(phase.rawValue) with itself; name another phase", at: "comparedTo")
            return nil
        }
        guard let phase, let ratio, !(fields.has("minPercentOfTarget") && percent == nil),
              !(fields.has("comparedTo") && comparedTo == nil), !(fields.has("within") && within == nil) else { return nil }
        return ThroughputAssertion(phase: phase, minPercentOfTarget: percent, comparedTo: comparedTo, minRatio: ratio, within: within)
    }

    /// `pods: {workload, during?, readyAtLeast?, maxRestarts?, exitedByThemselves?}`: at least one condition.
    /// `during` is a phase (`before`, `during`, `after`) or else a step's name.
    func podsAssertion(_ body: Located) -> PodsAssertion? {
        let conditions = ["readyAtLeast", "maxRestarts", "exitedByThemselves"]
        guard let fields = reader.fields(body, allowed: ["workload", "during"] + conditions, required: ["workload"]) else { return nil }
        let workload = workloadName(fields, "workload")
        var during: String?
        if let text = fields.string("during") {
            during = Phase(rawValue: text) != nil ? text : stepReference(fields, "during")
        }
        let ready = fields.has("readyAtLeast") ? fields.int("readyAtLeast", min: 0, max: 100) : nil
        let restarts = fields.has("maxRestarts") ? fields.int("maxRestarts", min: 0, max: 1000) : nil
        let exited = fields.has("exitedByThemselves") ? fields.bool("exitedByThemselves") : false
        if !conditions.contains(where: fields.has) {
            reader.error("says nothing must hold: give readyAtLeast, maxRestarts or exitedByThemselves", at: body.node, body.path)
            return nil
        }
        guard let workload, !(fields.has("during") && during == nil), !(fields.has("readyAtLeast") && ready == nil),
              !(fields.has("maxRestarts") && restarts == nil), let exited else { return nil }
        return PodsAssertion(workload: workload, during: during, readyAtLeast: ready, maxRestarts: restarts, exitedByThemselves: exited)
    }

    /// `isolation: {maxForeign?}` (may be empty).
    func isolation(_ body: Located) -> IsolationAssertion? {
        guard let fields = optionalBody(body, allowed: ["maxForeign"]) else { return nil }
        let most = fields.has("maxForeign") ? fields.int("maxForeign", min: 0, max: 1_000_000) : 0
        guard let most else { return nil }
        return IsolationAssertion(maxForeign: most)
    }

    /// `sessions: {minPods?, minRequests?}` (may be empty).
    func sessions(_ body: Located) -> SessionsAssertion? {
        guard let fields = optionalBody(body, allowed: ["minPods", "minRequests"]) else { return nil }
        let minPods = fields.has("minPods") ? fields.int("minPods", min: 2, max: 100) : 2
        let minRequests = fields.has("minRequests") ? fields.int("minRequests", min: 2, max: 1_000_000) : 10
        guard let minPods, let minRequests else { return nil }
        return SessionsAssertion(minPods: minPods, minRequests: minRequests)
    }

    func servingPods(_ body: Located) -> ServingPodsAssertion? {
        guard let fields = reader.fields(body, allowed: ["phase", "atLeast"], required: ["phase", "atLeast"]) else { return nil }
        let phase = fields.phase("phase")
        let atLeast = fields.int("atLeast", min: 1, max: 100)
        guard let phase, let atLeast else { return nil }
        return ServingPodsAssertion(phase: phase, atLeast: atLeast)
    }
}
