import StackModel

/// Parsing of what a stack runs: `workloads` and their roles, `headers` and `database`.
extension StackParseSession {
    func workloads(_ value: Located) -> [StackWorkload] {
        guard let entries = namedEntries(value, pattern: .dnsLabel(example: "api"), what: "workloads") else { return [] }
        workloadNames = entries.map(\.written)
        if entries.isEmpty {
            reader.error("needs at least one workload: the one with role: api takes the load", at: value.node, value.path)
            return []
        }
        var holders: [WorkloadRole: String] = [:]
        var rolesReadable = true
        var workloads: [StackWorkload] = []
        for entry in entries {
            let errorsBefore = reader.errors.count
            guard let fields = reader.fields(entry.value, allowed: StackKeys.workload, required: ["kind"], what: "a workload") else {
                continue
            }
            let kind = fields.choice("kind", WorkloadKind.allCases.map(\.rawValue), noun: "kind").flatMap(WorkloadKind.init)
            let role = fields.choice("role", WorkloadRole.allCases.map(\.rawValue), noun: "role").flatMap(WorkloadRole.init)
            if fields.has("role") && role == nil { rolesReadable = false }
            if let role, let holder = holders[role] {
                fields.error("workload \"\(holder)\" already has role \(role.rawValue); one workload may have each role", at: "role")
            } else if let role {
                holders[role] = entry.written
            }
            let container = fields.has("container") ? fields.string("container", pattern: .dnsLabel(example: "api")) : nil
            let service = fields.value("service").flatMap { self.service($0) }
            let version = fields.value("version").flatMap { self.versionSetting($0) }
            let auth = fields.value("auth").flatMap { self.workloadAuth($0) }
            if fields.has("auth"), fields.value("service") == nil {
                fields.error("a workload's auth is for requests to its Service; add a service", at: "auth")
            }
            // Only a workload without errors is kept: a misspelt `service` must not read as "has no service" later.
            guard let name = entry.name, let kind, reader.errors.count == errorsBefore else { continue }
            workloads.append(StackWorkload(name: name, kind: kind, role: role, container: container, service: service, version: version, auth: auth))
        }
        apiWorkload = holders[.api]
        if apiWorkload == nil && rolesReadable {
            reader.error("no workload has role: api; give it to the workload that takes the load and the HTTP checks",
                         at: value.node, value.path)
        }
        return workloads.sorted { $0.name < $1.name }
    }

    /// `auth: {bearer: {secret, key}}` on a workload: one shared token (per-user tokens belong to traffic.auth).
    func workloadAuth(_ value: Located) -> TrafficAuth? {
        guard let fields = reader.fields(value, allowed: StackKeys.workloadAuth, required: StackKeys.workloadAuth, what: "credentials"),
              let raw = fields.value("bearer") else { return nil }
        return bearer(raw)
    }

    func service(_ value: Located) -> StackService? {
        guard let fields = reader.fields(value, allowed: StackKeys.service, required: ["name", "port"], what: "a service") else {
            return nil
        }
        let name = fields.string("name", pattern: .dnsLabel(example: "api"))
        let port = fields.int("port", min: 1, max: 65_535)
        let ready = fields.has("ready") ? fields.string("ready", pattern: .httpPath) : nil
        guard let name, let port else { return nil }
        return StackService(name: name, port: port, ready: ready)
    }

    func versionSetting(_ value: Located) -> VersionSetting? {
        guard let fields = reader.fields(value, allowed: StackKeys.version, required: StackKeys.version) else { return nil }
        return fields.string("env", pattern: .environmentName).map(VersionSetting.init)
    }

    func headers(_ value: Located) -> ResponseHeaders {
        guard let fields = reader.fields(value, allowed: StackKeys.headers) else { return ResponseHeaders() }
        return ResponseHeaders(servedBy: fields.string("servedBy", pattern: .headerName),
                               version: fields.string("version", pattern: .headerName))
    }

    func database(_ value: Located, workloads: [StackWorkload]) -> StackDatabase? {
        guard let fields = reader.fields(value, allowed: StackKeys.database, required: StackKeys.database) else { return nil }
        let workload = fields.value("workload").flatMap {
            workloadWithService($0, workloads: workloads, why: "labrun reaches the database through it")
        }
        let secret = fields.string("secret", pattern: .dnsSubdomain)
        var keys: [String?] = [nil, nil, nil]
        if let raw = fields.value("keys"),
           let keyFields = reader.fields(raw, allowed: StackKeys.databaseKeys, required: StackKeys.databaseKeys) {
            keys = StackKeys.databaseKeys.map { keyFields.string($0, pattern: .secretKey) }
        }
        guard let workload, let secret, let user = keys[0], let password = keys[1], let name = keys[2] else { return nil }
        return StackDatabase(workload: workload, secret: secret, userKey: user, passwordKey: password, databaseKey: name)
    }

    /// A reference to a declared workload that has a service; `why` says what the service is for.
    func workloadWithService(_ value: Located, workloads: [StackWorkload], why: String) -> String? {
        guard let name = reader.string(value) else { return nil }
        guard workloadNames.contains(name) else {
            reader.error(Suggestion.unknown("workload", name, workloadNames), at: value.node, value.path)
            return nil
        }
        if let workload = workloads.first(where: { $0.name == name }), workload.service == nil {
            reader.error("workload \"\(name)\" has no service, and \(why); add workloads.\(name).service", at: value.node, value.path)
            return nil
        }
        return name
    }
}
