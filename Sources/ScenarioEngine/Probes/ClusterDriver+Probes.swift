import ClusterProviders
import Foundation
import HTTPClient
import KubernetesClient
import LabrunCore
import PostgresClient

/// Steady-state checks and assertions that need a live answer: HTTP, SQL, Kubernetes objects.
/// Each attempt gathers the observation and hands it to the pure evaluators of `Assertions/`.
extension ClusterDriver {
    public func check(_ assertion: Assertion, run: RunContext) async -> AssertionResult {
        let name = assertion.name
        let kind = assertion.kind.kindName
        do {
            switch assertion.kind {
            case .http(let spec): return try await httpCheck(spec, name: name, run: run)
            case .sql(let spec): return try await sqlCheck(spec, name: name, run: run)
            case .kubernetes(let spec): return try await kubernetesCheck(spec, name: name, run: run)
            case .recoveryTime, .slo, .writeLedger, .versionAccounting, .throughput, .servingPods:
                return AssertionResult(name: name, kind: kind, verdict: .error,
                                       message: "\(kind) is judged from the run's observations, not checked live")
            }
        } catch {
            return AssertionResult(name: name, kind: kind, verdict: .failed, message: RunFailure.describe(error))
        }
    }

    func httpCheck(_ spec: HTTPAssertion, name: String, run: RunContext) async throws -> AssertionResult {
        let access = try stackAccess(run)
        let count = max(1, spec.repeatCount)
        var last: AssertionResult?
        for number in 1...count {
            let check = count > 1 ? spec.check.substituting(repetition: number) : spec.check
            let response = try await send(check.request, access: access)
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
        let parameters = spec.params.map(Self.postgresParameter)
        let result = try await withDatabase(run) { connection in
            try await connection.readOnlyTransaction { transaction in
                try await transaction.query(spec.query, parameters)
            }
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

    public func ledgerRows(keys: [String], run: RunContext) async -> [String: Int]? {
        do {
            let result = try await withDatabase(run) { connection in
                try await connection.readOnlyTransaction { transaction in
                    try await transaction.query(
                        "SELECT idempotency_key, count(*) AS n FROM tasks WHERE idempotency_key LIKE $1 GROUP BY idempotency_key",
                        [run.loadKeyPrefix + "-%"])
                }
            }
            var rows: [String: Int] = [:]
            for row in result.rows {
                guard let key = row["idempotency_key"], let count = row["n"].flatMap({ Int($0) }) else { continue }
                rows[key] = count
            }
            return rows
        } catch {
            run.timeline.record(.error, "writeLedger", "could not read the rows: \(RunFailure.describe(error))")
            return nil
        }
    }

    /// Runs `body` on a fresh connection to the run's database (credentials from Secret `todo-db`).
    func withDatabase<T: Sendable>(_ run: RunContext, _ body: (PostgresConnection) async throws -> T) async throws -> T {
        let access = try stackAccess(run)
        let credentials = try await databaseCredentials(run)
        let configuration = PostgresConfiguration(host: access.postgresHost, port: access.postgresPort, user: credentials.user,
                                                  password: credentials.password, database: credentials.database)
        let connection = try await PostgresConnection.connect(configuration)
        do {
            let value = try await body(connection)
            await connection.close()
            return value
        } catch {
            await connection.close()
            throw error
        }
    }

    func databaseCredentials(_ run: RunContext) async throws -> DatabaseCredentials {
        if let known = lock.withLock({ credentials[run.namespace] }) { return known }
        let secret = try await kube.get(.secrets, name: "todo-db", namespace: run.namespace)
        func value(_ key: String) throws -> String {
            guard let encoded = secret.value(at: "data.\(key)")?.stringValue, let data = Data(base64Encoded: encoded),
                  let text = String(data: data, encoding: .utf8) else {
                throw LabrunError(id: "SECRET_INCOMPLETE", message: "Secret \(run.namespace)/todo-db has no \(key).")
            }
            return text
        }
        let password = try value("POSTGRES_PASSWORD")
        Redactor.shared.register(password)
        let found = DatabaseCredentials(user: try value("POSTGRES_USER"), password: password, database: try value("POSTGRES_DB"))
        lock.withLock { credentials[run.namespace] = found }
        return found
    }

    public func loadTransport(_ run: RunContext) async throws -> any LoadTransport {
        let access = try stackAccess(run)
        guard let base = access.url(service: run.options.loadService) else {
            throw LabrunError(id: "HTTP_UNKNOWN_SERVICE", exitCode: ExitCode.invalidInput,
                              message: "The load cannot target Service \(run.options.loadService); use backend or frontend.")
        }
        // Room for the load's cap and for a capacity probe's workers, so neither waits for a connection.
        var connections = run.scenario.load?.maxInFlight ?? 256
        if case .ofCapacity(let calibration)? = run.scenario.load?.rate { connections = max(connections, calibration.concurrency) }
        let transport = try HTTPLoadTransport(baseURL: base, maxConnections: connections,
                                              reuseConnections: run.options.loadReusesConnections)
        if let guardian = try await localGuard() { transport.sendGuard = { guardian.refusal() } }
        return transport
    }
}

extension ClusterDriver {
    /// On the bare provider, a guard that keeps requests to the node address on this host.
    func localGuard() async throws -> LocalAddressGuard? {
        guard provider.kind == .bare, let host = provider as? any HostAccess else { return nil }
        return LocalAddressGuard(address: try await host.nodeAddress())
    }
}
