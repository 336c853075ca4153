import ClusterProviders
import Foundation
import HTTPClient
import KubernetesClient
import LabrunCore
import PostgresClient
import StackModel
import ScenarioModel

/// Steady-state checks, assertions and invariants' samples that need a live answer: HTTP, SQL, Kubernetes
/// objects. Each attempt gathers the observation and hands it to the pure evaluators of `Assertions/`.
extension ClusterDriver {
    public func attempt(_ assertion: Assertion, run: RunContext) async -> CheckAttempt {
        let name = assertion.name
        let kind = assertion.kind.kindName
        return await Self.attempt(name: name, kind: kind) {
            switch assertion.kind {
            case .http(let spec): return try await httpCheck(spec, name: name, run: run)
            case .sql(let spec): return try await sqlCheck(spec, name: name, run: run)
            case .kubernetes(let spec): return try await kubernetesCheck(spec, name: name, run: run)
            case .recoveryTime, .slo, .writeLedger, .versionAccounting, .throughput, .servingPods, .pods, .isolation, .sessions:
                return AssertionResult(name: name, kind: kind, verdict: .error,
                                       message: "\(kind) is judged from the run's observations, not checked live")
            }
        }
    }

    /// One attempt at a check: its result, or — when it threw — a failure saying why, marked unanswered
    /// when the error means no answer came at all (`gotNoAnswer`).
    static func attempt(name: String, kind: String, _ check: () async throws -> AssertionResult) async -> CheckAttempt {
        do {
            return CheckAttempt(result: try await check())
        } catch {
            let message = RunFailure.describe(error)
            return gotNoAnswer(error) ? .unanswered(name, kind: kind, message) : CheckAttempt(result: .failed(name, kind: kind, message))
        }
    }

    /// Whether a check's error means its request or query got no answer at all — as the load counts a
    /// request without a response: refused or unreachable, nothing in time, a connection lost — or that the
    /// database is shutting down or starting up (SQLSTATE classes 08 and 57P, or none: the server went away).
    /// A wrong answer, or an error the database gave about the query itself (an unknown table), is not one.
    static func gotNoAnswer(_ error: any Error) -> Bool {
        guard let error = error as? LabrunError else { return false }
        switch error.id {
        case ErrorID.httpConnect, ErrorID.httpTimeout, ErrorID.httpTransport, ErrorID.pgConnect, ErrorID.pgClosed, ErrorID.timeout:
            return true
        case ErrorID.pgQuery:
            guard let state = error.sqlState else { return true }
            return state.hasPrefix("08") || state.hasPrefix("57P")
        default:
            return false
        }
    }

    func httpCheck(_ spec: HTTPAssertion, name: String, run: RunContext) async throws -> AssertionResult {
        let count = max(1, spec.repeatCount)
        var last: AssertionResult?
        let context = self.context(run)
        for number in 1...count {
            let check = count > 1 ? spec.check.substituting(repetition: number) : spec.check
            let response = try await context.send(check.request)
            var headers: [String: String] = [:]
            for field in response.headers { headers[field.name] = field.value }
            let body = try? JSONValue.parse(response.body)
            var one = spec
            one.check = check
            let result = AssertionEvaluator.http(one, name: name, status: response.status, headers: headers, body: body)
            if result.verdict != .passed {
                var failed = result
                if count > 1 { failed.message = "repetition \(number) of \(count): " + failed.message }
                return failed
            }
            last = result
        }
        guard var result = last else { return .failed(name, kind: "http", "no request was sent") }
        if count > 1 { result.message = "\(count) requests: " + result.message }
        return result
    }

    func kubernetesCheck(_ spec: KubernetesAssertion, name: String, run: RunContext) async throws -> AssertionResult {
        let resource = try await kube.resourceType(apiVersion: spec.apiVersion, kind: spec.kind)
        do {
            let object = try await kube.get(resource, name: spec.name, namespace: spec.namespace ?? run.namespace)
            return AssertionEvaluator.kubernetes(spec, name: name, object: object)
        } catch let error as LabrunError where error.isNotFound {
            return AssertionEvaluator.kubernetes(spec, name: name, object: nil)
        }
    }

    func sqlCheck(_ spec: SQLAssertion, name: String, run: RunContext) async throws -> AssertionResult {
        if let refusal = ReadOnlySQL.refusal(spec.query) {
            throw LabrunError(id: ErrorID.sqlNotReadOnly, exitCode: ExitCode.invalidInput,
                              message: "The SQL of assertion \"\(name)\" was not run: \(refusal).",
                              advice: "Assertions only read: write one SELECT (or WITH, VALUES, TABLE, SHOW) statement.")
        }
        return try await withDatabase(run) { connection in try await Self.sqlCheck(spec, name: name, on: connection) }
    }

    /// A `sql` check on an open connection: the query in a read-only transaction, its rows compared.
    static func sqlCheck(_ spec: SQLAssertion, name: String, on connection: PostgresConnection) async throws -> AssertionResult {
        let parameters = spec.params.map(Self.postgresParameter)
        let result = try await connection.readOnlyTransaction { transaction in
            try await transaction.query(spec.query, parameters)
        }
        let set = SQLResultSet(columns: result.columns,
                               rows: result.rows.map { row in row.values.map { $0.map(JSONValue.string) ?? .null } })
        return AssertionEvaluator.sql(spec, name: name, result: set)
    }

    static func postgresParameter(_ value: JSONValue) -> any PostgresEncodable {
        switch value {
        case .string(let text): return text
        case .number(let number):
            // A whole number goes as an integer (so it fits an integer column), any other as a double.
            if let whole = value.intValue { return whole } else { return number }
        case .bool(let flag): return flag
        case .null: return Optional<String>.none
        case .array, .object: return value.description
        }
    }

    /// Runs a ledger's query (read-only) for the run's keys: key in the first column, rows in the second.
    public func readLedger(_ ledger: StackLedger, run: RunContext) async throws -> [String: Int] {
        try await withDatabase(run) { connection in
            try await LedgerQuery.rows(ledger, keyPrefix: run.loadKeyPrefix, stackFile: stack.file, on: connection)
        }
    }

    /// Runs `body` on a fresh connection to the run's database (the stack file's `database`: its
    /// workload's Service, credentials from its Secret).
    func withDatabase<T: Sendable>(_ run: RunContext, _ body: (PostgresConnection) async throws -> T) async throws -> T {
        guard let database = stack.database, let endpoint = try context(run).endpoints().endpoint(database.workload) else {
            throw LabrunError(id: ErrorID.stackNoDatabase, exitCode: ExitCode.invalidInput,
                              message: "The stack file \(stack.file) declares no database the host can reach, so SQL cannot run.",
                              advice: "Add a database section naming a workload with a service.")
        }
        let credentials = try await databaseCredentials(database, run: run)
        let configuration = PostgresConfiguration(host: endpoint.host, port: endpoint.port, user: credentials.user,
                                                  password: credentials.password, database: credentials.database)
        let connection = try await PostgresConnection.connect(configuration)
        do {
            try await DatabaseRoleGuard.check(connection, user: credentials.user,
                                              source: "Secret \(run.namespace)/\(database.secret), key \(database.userKey)")
            let value = try await body(connection)
            await connection.close()
            return value
        } catch {
            await connection.close()
            throw error
        }
    }

    /// The database credentials from the stack's Secret (the password is registered with the Redactor).
    func databaseCredentials(_ database: StackDatabase, run: RunContext) async throws -> DatabaseCredentials {
        if let known = lock.withLock({ credentials[run.namespace] }) { return known }
        let secret = try await kube.get(.secrets, name: database.secret, namespace: run.namespace)
        let password = try Self.secretValue(secret, database.passwordKey, named: "\(run.namespace)/\(database.secret)")
        Redactor.shared.register(password)
        let found = DatabaseCredentials(user: try Self.secretValue(secret, database.userKey, named: "\(run.namespace)/\(database.secret)"),
                                        password: password,
                                        database: try Self.secretValue(secret, database.databaseKey, named: "\(run.namespace)/\(database.secret)"))
        lock.withLock { credentials[run.namespace] = found }
        return found
    }

    /// The text of `key` of a Secret object (base64 in `data`), or an error naming the Secret and key.
    static func secretValue(_ secret: JSONValue, _ key: String, named name: String, advice: String? = nil) throws -> String {
        guard let encoded = secret.value(at: "data.\(key)")?.stringValue, let data = Data(base64Encoded: encoded),
              let text = String(data: data, encoding: .utf8), !text.isEmpty else {
            throw LabrunError(id: ErrorID.secretIncomplete, message: "Secret \(name) has no \(key).",
                              advice: advice)
        }
        return text
    }

    public func loadTransport(_ run: RunContext) async throws -> any LoadTransport {
        let context = self.context(run)
        let base = try context.url(run.options.loadWorkload ?? stack.traffic.workload)
        // Room for the load's cap and for a capacity probe's workers, so neither waits for a connection.
        var connections = run.scenario.load?.maxInFlight ?? 256
        if case .ofCapacity(let calibration)? = run.scenario.load?.rate { connections = max(connections, calibration.concurrency) }
        let transport = try HTTPLoadTransport(baseURL: base, traffic: stack.traffic, headers: stack.headers, maxConnections: connections,
                                              reuseConnections: run.options.loadReusesConnections,
                                              allowInsecureCredentials: allowInsecureCredentials)
        if let guardian = try await context.localGuard() { transport.sendGuard = { guardian.refusal() } }
        transport.credentials = context.credentials
        return transport
    }

    /// The `Authorization` values of the stack's `traffic.auth`: the token of its Secret, or the tokens
    /// labrun signs per user with its Secret's key. Every secret value and token is registered with the
    /// Redactor (plain, base64 and as the header value) before anything prints.
    func credentials(_ auth: TrafficAuth, namespace: String) async throws -> RequestCredentials {
        switch auth {
        case .bearer(let secretName, let key):
            let token = try await secretText(secretName, key, namespace: namespace, advice: "traffic.auth.bearer in \(stack.file) names it.")
            return RequestCredentials(shared: "Bearer " + token)
        case .jwt(let jwt):
            let key = try await secretText(jwt.secret, jwt.key, namespace: namespace, advice: "traffic.auth.jwt in \(stack.file) names it.")
            return RequestCredentials.signed(jwt, key: Data(key.utf8))
        }
    }

    /// A Secret's value, trimmed, registered with the Redactor, refused when it holds a control character.
    private func secretText(_ secretName: String, _ key: String, namespace: String, advice: String) async throws -> String {
        let secret = try await kube.get(.secrets, name: secretName, namespace: namespace)
        let value = try Self.secretValue(secret, key, named: "\(namespace)/\(secretName)", advice: advice)
        let trimmed = value.trimmingCharacters(in: .whitespacesAndNewlines)
        Redactor.shared.register(value)
        Redactor.shared.register(trimmed)
        Redactor.shared.register(Data(value.utf8).base64EncodedString())
        guard !trimmed.isEmpty, !trimmed.contains(where: { $0.isNewline || $0.asciiValue.map { $0 < 0x20 || $0 == 0x7f } == true }) else {
            throw LabrunError(id: ErrorID.secretIncomplete, exitCode: ExitCode.invalidInput,
                              message: "The value of Secret \(namespace)/\(secretName) key \(key) is blank or holds control characters, "
                                + "which would split the Authorization header; refused.", advice: advice)
        }
        return trimmed
    }
}

/// The database credentials read from the stack's Secret (the password is registered with the Redactor).
struct DatabaseCredentials: Sendable {
    var user: String
    var password: String
    var database: String
}
