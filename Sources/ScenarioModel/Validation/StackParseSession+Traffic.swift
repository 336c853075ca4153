import Foundation
import StackModel
import Yams

/// An operation as written, with where each variable is captured and used, for the checks across operations.
struct OperationDraft {
    let name: String
    var captures: [(variable: String, at: Located)] = []
    var uses: [(variable: String, at: Located)] = []
    /// The operation, when it has no error of its own.
    var operation: TrafficOperation?
}

/// Parsing of the load's requests, `traffic`, and of `ledger`.
extension StackParseSession {
    func traffic(_ value: Located, workloads: [StackWorkload]) -> StackTraffic? {
        guard let fields = reader.fields(value, allowed: StackKeys.traffic, required: ["operations"]) else { return nil }
        var workload: String?
        if let raw = fields.value("workload") {
            workload = workloadWithService(raw, workloads: workloads, why: "the load is sent to it")
        } else if let api = apiWorkload, let found = workloads.first(where: { $0.name == api }) {
            if found.service != nil {
                workload = api
            } else {
                reader.error("the load goes to the api workload \"\(api)\", which has no service; add workloads.\(api).service, "
                             + "or name a workload that has one in \"workload\"", at: value.node, value.path)
            }
        }
        let drafts = fields.value("operations").map { self.operations($0) } ?? []
        checkVariables(drafts)
        let operations = drafts.compactMap(\.operation)
        let auth = fields.value("auth").map { self.auth($0) }
        // Per-user tokens, or an auth section with an error of its own (reported already).
        let hasUsers = auth.map { parsed in parsed.map { !$0.users.isEmpty } ?? true } ?? false
        if !hasUsers {
            for use in drafts.flatMap(\.uses) where use.variable == "user" {
                reader.error("${user} is the user a request acts as, which needs tokens per user: add traffic.auth.jwt",
                             at: use.at.node, use.at.path)
            }
        }
        // How many users tokens are signed for: nil when the auth section has errors of its own.
        let userCount: Int? = auth.map { parsed in parsed.map(\.users.count) } ?? 0
        let owners = fields.value("isolation").map { isolation($0, users: userCount) }
        var session: String??
        if let raw = fields.value("session") {
            session = .some(reader.string(raw, pattern: .variableName))
            if let name = session ?? nil, !operations.contains(where: { $0.captures.keys.contains(name) }) {
                let captured = operations.flatMap(\.captures.keys).sorted()
                reader.error("session \"\(name)\" is not a variable any operation captures"
                             + (captured.isEmpty ? "; capture it with capture: {\(name): /pointer}" : Suggestion.hint(for: name, in: captured)),
                             at: raw.node, raw.path)
                session = .some(nil)
            }
        }
        guard let workload, operations.count == drafts.count, !drafts.isEmpty, auth != .some(nil), owners != .some(nil),
              session != .some(nil) else { return nil }
        return StackTraffic(workload: workload, operations: operations.sorted { $0.name < $1.name }, auth: auth ?? nil,
                            ownerPointers: owners.flatMap { $0 } ?? [], session: session ?? nil)
    }

    /// `isolation: {owner: [pointer, …]}`: where answers name the user whose data they carry (`*` for every
    /// element or member). It needs users to tell apart: `auth.jwt` with at least two.
    func isolation(_ value: Located, users: Int?) -> [String]? {
        guard let fields = reader.fields(value, allowed: StackKeys.isolation, required: StackKeys.isolation, what: "isolation"),
              let entries = fields.sequence("owner") else { return nil }
        if entries.isEmpty { fields.error("needs at least one JSON pointer, e.g. [/user_id, /items/*/user_id]", at: "owner") }
        if let users, users < 2 {
            reader.error("isolation is checked between users: add traffic.auth.jwt with users: 2 or more", at: value.node, value.path)
        }
        let pointers = entries.compactMap { jsonPointer($0) }
        guard pointers.count == entries.count, !entries.isEmpty, (users ?? 2) >= 2 else { return nil }
        return pointers
    }

    /// `auth: {bearer: {secret, key}}`, a token read from a Secret when the run starts, or
    /// `auth: {jwt: {secret, key, claims?, users?, userPrefix?, ttl?}}`, tokens labrun signs per user.
    func auth(_ value: Located) -> TrafficAuth? {
        guard let fields = reader.fields(value, allowed: StackKeys.auth, what: "credentials"),
              let kind = fields.exactlyOne(of: StackKeys.auth), let raw = fields.value(kind) else { return nil }
        if kind == "jwt" { return jwt(raw).map(TrafficAuth.jwt) }
        return bearer(raw)
    }

    /// `bearer: {secret, key}`: one token, read from a Secret when the run starts (traffic's and a workload's).
    func bearer(_ value: Located) -> TrafficAuth? {
        guard let bearer = reader.fields(value, allowed: StackKeys.bearer, required: StackKeys.bearer) else { return nil }
        let secret = bearer.string("secret", pattern: .dnsSubdomain)
        let key = bearer.string("key", pattern: .secretKey)
        guard let secret, let key else { return nil }
        return .bearer(secret: secret, key: key)
    }

    func jwt(_ value: Located) -> JWTAuth? {
        guard let fields = reader.fields(value, allowed: StackKeys.jwt, required: ["secret", "key"], what: "JWT settings") else { return nil }
        let secret = fields.string("secret", pattern: .dnsSubdomain)
        let key = fields.string("key", pattern: .secretKey)
        var claims = fields.has("claims") ? fields.stringMap("claims") : [:]
        if let raw = fields.value("claims"), case .mapping(let mapping) = raw.node {
            for (keyNode, _) in mapping {
                guard let name = keyNode.scalar?.string, JWTAuth.reservedClaims.contains(name) else { continue }
                reader.error("claim \"\(name)\" is set by labrun (sub is the user, iat and exp come from ttl); remove it",
                             at: keyNode, raw.path.key(name))
                claims = nil
            }
        }
        let users = fields.has("users") ? fields.int("users", min: 1, max: 1000) : 1
        let prefix = fields.has("userPrefix") ? fields.string("userPrefix", pattern: .userPrefix) : "labrun-user-"
        var ttl: Int? = 3600
        if fields.has("ttl") {
            ttl = fields.duration("ttl").flatMap { duration in
                guard duration.seconds >= 60, duration.seconds <= 86_400 else {
                    fields.error("a token's lifetime must be between 1m and 24h (a run outliving it would be refused half-way)", at: "ttl")
                    return nil
                }
                return Int(duration.seconds)
            }
        }
        guard let secret, let key, let claims, let users, let prefix, let ttl else { return nil }
        return JWTAuth(secret: secret, key: key, claims: claims, users: JWTAuth.users(count: users, prefix: prefix), ttlSeconds: ttl)
    }

    func operations(_ value: Located) -> [OperationDraft] {
        guard let entries = namedEntries(value, pattern: .operationName, what: "operations") else { return [] }
        operationNames = entries.map(\.written)
        if entries.isEmpty {
            reader.error("needs at least one operation, e.g. list: {path: /api/items}", at: value.node, value.path)
        }
        return entries.compactMap { operation($0) }
    }

    func operation(_ entry: NamedEntry) -> OperationDraft? {
        guard let fields = reader.fields(entry.value, allowed: StackKeys.operation, required: ["path"], what: "an operation") else {
            return nil
        }
        var draft = OperationDraft(name: entry.written)
        let method = fields.has("method") ? fields.choice("method", HTTPRequestSpec.methods, noun: "method") : "GET"
        let path = fields.string("path", pattern: .httpPath)
        let headers = fields.value("headers").map { requestHeaders($0) } ?? [:]
        let body = fields.value("body").flatMap { freeForm($0) }
        let captures = fields.value("capture").map { self.captures($0) } ?? [:]
        let write = fields.has("write") ? fields.bool("write") : false
        for part in ["path", "headers", "body"] {
            guard let template = fields.value(part) else { continue }
            for text in reader.scalars(in: template) where [.string, .other].contains(ScalarKind(text.node)) {
                let names = placeholderNames(text.node.scalar?.string ?? "", at: text)
                draft.uses += names.map { ($0, text) }
            }
        }
        if let raw = fields.value("capture"), case .mapping(let mapping) = raw.node {
            draft.captures = mapping.compactMap { keyNode, _ in
                keyNode.scalar.map { ($0.string, Located(node: keyNode, path: raw.path.key($0.string))) }
            }
        }
        if let name = entry.name, let method, let path, let headers, let captures, let write,
           !(fields.has("body") && body == nil) {
            draft.operation = TrafficOperation(name: name, method: method, path: path, headers: headers, body: body,
                                               captures: captures, write: write)
        }
        return draft
    }

    /// Request headers: names are HTTP tokens, values one line each.
    func requestHeaders(_ value: Located) -> [String: String]? {
        guard case .mapping(let mapping) = value.node else {
            reader.typeError(expected: "a mapping of header names to values", value)
            return nil
        }
        var headers: [String: String]? = [:]
        for (keyNode, node) in mapping {
            let path = value.path.key(keyNode.scalar?.string ?? "")
            let name = reader.string(Located(node: keyNode, path: path), pattern: .headerName)
            var text = reader.string(Located(node: node, path: path))
            if let line = text, line.contains("\n") {
                reader.error("a header value must be one line; remove the line break", at: node, path)
                text = nil
            }
            if let name, let text { headers?[name] = text } else { headers = nil }
        }
        return headers
    }

    /// `capture`: variable → RFC 6901 JSON pointer into the response body.
    func captures(_ value: Located) -> [String: String]? {
        guard case .mapping(let mapping) = value.node else {
            reader.typeError(expected: "a mapping of variable names to JSON pointers, e.g. {id: /id}", value)
            return nil
        }
        var captures: [String: String]? = [:]
        for (keyNode, node) in mapping {
            let path = value.path.key(keyNode.scalar?.string ?? "")
            let variable = reader.string(Located(node: keyNode, path: path), pattern: .variableName)
            let pointer = jsonPointer(Located(node: node, path: path))
            if let variable, let pointer { captures?[variable] = pointer } else { captures = nil }
        }
        return captures
    }

    /// An RFC 6901 JSON pointer: empty (the whole body) or `/`-separated tokens, `~` escaped as `~0` and `/` as `~1`.
    func jsonPointer(_ value: Located) -> String? {
        guard case .scalar(let scalar) = value.node, ScalarKind(value.node) == .string else {
            reader.typeError(expected: "a JSON pointer such as /id", value)
            return nil
        }
        let pointer = scalar.string
        if !pointer.isEmpty && !pointer.hasPrefix("/") {
            reader.error("invalid JSON pointer \(YAMLReader.quote(pointer)) (a pointer starts with /, e.g. /id, or is \"\" for the whole body)",
                         at: value.node, value.path)
            return nil
        }
        let tildes = pointer.indices.filter { pointer[$0] == "~" }
        if tildes.contains(where: { !["~0", "~1"].contains(String(pointer[$0...].prefix(2))) }) {
            reader.error("invalid JSON pointer \(YAMLReader.quote(pointer)) (a ~ is written ~0 and a / inside a name ~1)", at: value.node, value.path)
            return nil
        }
        return pointer
    }

    /// Every variable an operation uses is built in or captured by exactly one other operation.
    func checkVariables(_ drafts: [OperationDraft]) {
        var producers: [String: String] = [:]
        for draft in drafts {
            for capture in draft.captures {
                if TrafficOperation.builtinVariables.contains(capture.variable) {
                    reader.error("\"\(capture.variable)\" is a built-in variable; capture the value under another name",
                                 at: capture.at.node, capture.at.path)
                } else if let producer = producers[capture.variable] {
                    reader.error("variable \"\(capture.variable)\" is already captured by operation \"\(producer)\"; "
                                 + "capture each variable in one operation", at: capture.at.node, capture.at.path)
                } else {
                    producers[capture.variable] = draft.name
                }
            }
        }
        let known = TrafficOperation.builtinVariables + producers.keys.sorted()
        for draft in drafts {
            for use in draft.uses where !TrafficOperation.builtinVariables.contains(use.variable) {
                if draft.captures.contains(where: { $0.variable == use.variable }) {
                    reader.error("operation \"\(draft.name)\" uses ${\(use.variable)}, which it captures itself; a variable "
                                 + "comes from an earlier response of another operation", at: use.at.node, use.at.path)
                } else if producers[use.variable] == nil {
                    reader.error("unknown variable ${\(use.variable)}: it is not built in (idempotencyKey, sequence, user) and no "
                                 + "operation captures it" + Suggestion.hint(for: use.variable, in: known),
                                 at: use.at.node, use.at.path)
                }
            }
        }
    }

    /// `ledger`: one ledger (a mapping, named `writes`) or several (a list, each with its `name`).
    func ledgers(_ value: Located, traffic: StackTraffic?, hasDatabase: Bool) -> [StackLedger] {
        if !hasDatabase {
            reader.error("the ledger counts rows in the database; add a \"database\" section", at: value.node, value.path)
        }
        guard case .sequence = value.node else {
            return ledger(value, named: false, traffic: traffic).map { [$0] } ?? []
        }
        guard let items = reader.sequence(value) else { return [] }
        if items.isEmpty { reader.error("the list of ledgers is empty; give at least one, or leave ledger out", at: value.node, value.path) }
        var ledgers: [StackLedger] = []
        for item in items {
            guard let ledger = ledger(item, named: true, traffic: traffic) else { continue }
            if ledgers.contains(where: { $0.name == ledger.name }) {
                reader.error("a second ledger named \"\(ledger.name)\"; each ledger needs a name of its own", at: item.node, item.path.key("name"))
                continue
            }
            ledgers.append(ledger)
        }
        return ledgers
    }

    func ledger(_ value: Located, named: Bool, traffic: StackTraffic?) -> StackLedger? {
        guard let fields = reader.fields(value, allowed: StackKeys.ledger,
                                         required: StackKeys.ledgerRequired + (named ? ["name"] : [])) else { return nil }
        let name = fields.has("name") ? fields.string("name", pattern: .operationName) : StackLedger.defaultName
        var operations: [String]?
        if let at = fields.value("operation") {
            let items: [Located]
            if case .sequence = at.node { items = reader.sequence(at) ?? [] } else { items = [at] }
            if items.isEmpty { reader.error("the ledger tracks no operation; name at least one", at: at.node, at.path) }
            var names: [String] = []
            var valid = !items.isEmpty
            for item in items {
                guard let name = reader.string(item, pattern: .operationName) else { valid = false; continue }
                if let problem = ledgerOperationProblem(name, traffic: traffic) {
                    reader.error(problem, at: item.node, item.path)
                    valid = false
                } else if names.contains(name) {
                    reader.error("operation \"\(name)\" is listed twice", at: item.node, item.path)
                    valid = false
                } else {
                    names.append(name)
                }
            }
            operations = valid ? names : nil
        }
        var query = fields.string("query")
        if let text = query, let at = fields.value("query") {
            let highest = ParseSession.highestPlaceholder(in: text)
            if let refusal = ReadOnlySQL.refusal(text) {
                reader.error("the ledger query is not run: \(refusal)", at: at.node, at.path)
                query = nil
            } else if highest != 1 {
                let uses = highest == 0 ? "does not use $1" : "uses parameters up to $\(highest)"
                reader.error("the query \(uses); it gets one parameter, $1: a LIKE pattern of the run's idempotency keys "
                             + "(e.g. WHERE request_key LIKE $1)", at: at.node, at.path)
                query = nil
            }
        }
        guard let name, let operations, let query else { return nil }
        return StackLedger(name: name, operations: operations, query: query)
    }

    /// Why an operation cannot be tracked by a ledger, or nil.
    private func ledgerOperationProblem(_ name: String, traffic: StackTraffic?) -> String? {
        if !operationNames.contains(name) { return Suggestion.unknown("operation", name, operationNames) }
        guard let found = traffic?.operation(name) else { return nil }
        if !found.usesIdempotencyKey {
            return "operation \"\(name)\" sends no ${idempotencyKey}, so the ledger cannot find its rows; "
                + "send one, e.g. headers: {Idempotency-Key: \"${idempotencyKey}\"}"
        }
        if !found.write { return "operation \"\(name)\" is not a write; the ledger tracks a writing operation (set write: true on it)" }
        return nil
    }
}
