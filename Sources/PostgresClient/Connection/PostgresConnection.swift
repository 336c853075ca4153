import CLibPQ
import Foundation
import LabrunCore

/// One connection to PostgreSQL on libpq: parameterised queries, typed rows, transactions.
///
/// Safe to share between tasks: statements run one at a time on the connection's own serial
/// queue (libpq connections are not thread-safe, and its calls block, so they stay off Swift's
/// cooperative threads); a transaction holds the connection for all its statements. If the
/// server went away (e.g. a Postgres restart), the next statement outside a transaction first
/// reconnects. Cancelling the calling task cancels the running statement on the server
/// (`PQcancel`) and throws `CancellationError`.
///
/// ```swift
/// let db = try await PostgresConnection.connect(PostgresConfiguration(url: "postgres://todo:…@127.0.0.1:5432/todo"))
/// let rows = try await db.query("SELECT id, title, done FROM tasks WHERE done = $1", [false]).rows
/// let title: String = try rows[0].decode("title")
/// let count = try await db.readOnlyTransaction { try await $0.query("SELECT count(*) FROM tasks").scalar(Int.self) }
/// ```
public final class PostgresConnection: @unchecked Sendable {
    public let configuration: PostgresConfiguration
    private let queue: DispatchQueue
    private let gate = AsyncGate()
    // Touched only on `queue`.
    private var connection: OpaquePointer?
    // libpq's cancel request object for the current backend; guarded by `cancelLock`.
    private let cancelLock = NSLock()
    private var cancelHandle: OpaquePointer?

    private init(configuration: PostgresConfiguration, connection: OpaquePointer, queue: DispatchQueue) {
        self.configuration = configuration
        self.connection = connection
        self.queue = queue
        refreshCancelHandle(connection)
    }

    deinit {
        if let cancelHandle { PQfreeCancel(cancelHandle) }
        if let connection { PQfinish(connection) }
    }

    /// Makes a new cancel object (after connecting or reconnecting: the backend changed).
    private func refreshCancelHandle(_ connection: OpaquePointer?) {
        let fresh = connection.flatMap { PQgetCancel($0) }
        cancelLock.withLock {
            if let cancelHandle { PQfreeCancel(cancelHandle) }
            cancelHandle = fresh
        }
    }

    /// Asks the server to cancel the statement running now (from any thread).
    private func cancelRunningStatement() {
        cancelLock.withLock {
            guard let cancelHandle else { return }
            var buffer = [CChar](repeating: 0, count: 256)
            _ = PQcancel(cancelHandle, &buffer, Int32(buffer.count))
        }
    }

    /// Connects, waiting at most `configuration.connectTimeout` seconds.
    public static func connect(_ configuration: PostgresConfiguration) async throws -> PostgresConnection {
        let queue = DispatchQueue(label: "labrun.postgres.\(configuration.host):\(configuration.port)")
        let handle = try await run(on: queue) { try open(configuration) }
        return PostgresConnection(configuration: configuration, connection: handle.pointer, queue: queue)
    }

    /// Closes the connection; later statements fail with `PG_CLOSED`.
    public func close() async {
        await gate.acquire()
        _ = try? await PostgresConnection.run(on: queue) { [self] in
            if let connection { PQfinish(connection) }
            connection = nil
        }
        await gate.release()
    }

    /// Runs one statement with `$1`, `$2`… parameters (sent separately, never spliced into SQL).
    public func query(_ sql: String, _ parameters: [any PostgresEncodable] = []) async throws -> PostgresResult {
        await gate.acquire()
        do {
            let result = try await execute(sql, parameters, reconnect: true)
            await gate.release()
            return result
        } catch {
            await gate.release()
            throw error
        }
    }

    /// Runs a statement and returns the number of rows it changed.
    @discardableResult
    public func execute(_ sql: String, _ parameters: [any PostgresEncodable] = []) async throws -> Int {
        try await query(sql, parameters).rowsAffected
    }

    /// Runs `body` in `BEGIN READ ONLY` … `COMMIT` (`ROLLBACK` if it throws): assertions can
    /// never change the data they check. The connection is held for the whole transaction.
    @discardableResult
    public func readOnlyTransaction<T>(_ body: (PostgresTransaction) async throws -> T) async throws -> T {
        try await transaction(begin: "BEGIN TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY", body)
    }

    /// Runs `body` in a read-write transaction (`BEGIN` … `COMMIT`, `ROLLBACK` if it throws).
    @discardableResult
    public func transaction<T>(_ body: (PostgresTransaction) async throws -> T) async throws -> T {
        try await transaction(begin: "BEGIN", body)
    }

    private func transaction<T>(begin: String, _ body: (PostgresTransaction) async throws -> T) async throws -> T {
        await gate.acquire()
        do {
            _ = try await execute(begin, [], reconnect: true)
            let value: T
            do {
                value = try await body(PostgresTransaction(connection: self))
            } catch {
                _ = try? await execute("ROLLBACK", [], reconnect: false)
                throw error
            }
            _ = try await execute("COMMIT", [], reconnect: false)
            await gate.release()
            return value
        } catch {
            await gate.release()
            throw error
        }
    }

    /// Runs a statement; the caller holds the gate.
    func execute(_ sql: String, _ parameters: [any PostgresEncodable], reconnect: Bool) async throws -> PostgresResult {
        let texts = parameters.map(\.postgresText)
        let configuration = self.configuration
        try Task.checkCancellation()
        do {
            return try await withTaskCancellationHandler {
                try await PostgresConnection.run(on: queue) { [self] in
                    guard let current = connection else {
                        throw LabrunError(id: ErrorID.pgClosed, exitCode: ExitCode.failure,
                                          message: "The PostgreSQL connection to \(configuration) was closed before: \(PostgresConnection.short(sql)).")
                    }
                    if reconnect, PQstatus(current) != CONNECTION_OK {
                        PQreset(current)
                        guard PQstatus(current) == CONNECTION_OK else {
                            throw PostgresConnection.connectError(configuration, current)
                        }
                        refreshCancelHandle(current)
                    }
                    return try PostgresConnection.exec(current, sql, texts, configuration)
                }
            } onCancel: {
                cancelRunningStatement()
            }
        } catch let error as LabrunError where error.sqlState == "57014" && Task.isCancelled {
            // The server cancelled the statement because our task was cancelled.
            throw CancellationError()
        }
    }

    // MARK: libpq (on the queue)

    private struct Handle: @unchecked Sendable { let pointer: OpaquePointer }

    private static func run<T>(on queue: DispatchQueue, _ work: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<T, any Error>) in
            queue.async {
                do { continuation.resume(returning: try work()) } catch { continuation.resume(throwing: error) }
            }
        }
    }

    private static func open(_ configuration: PostgresConfiguration) throws -> Handle {
        let pairs = configuration.connectionParameters
        let keys = pairs.map { strdup($0.0) }
        let values = pairs.map { strdup($0.1) }
        defer {
            keys.forEach { free($0) }
            values.forEach { free($0) }
        }
        var keyPointers: [UnsafePointer<CChar>?] = keys.map { UnsafePointer($0) } + [nil]
        var valuePointers: [UnsafePointer<CChar>?] = values.map { UnsafePointer($0) } + [nil]
        let connection = keyPointers.withUnsafeMutableBufferPointer { k in
            valuePointers.withUnsafeMutableBufferPointer { v in
                PQconnectdbParams(k.baseAddress, v.baseAddress, 0)
            }
        }
        guard let connection else {
            throw LabrunError(id: ErrorID.pgConnect, exitCode: ExitCode.unavailable,
                              message: "Could not connect to PostgreSQL at \(configuration): libpq is out of memory.")
        }
        guard PQstatus(connection) == CONNECTION_OK else {
            let error = connectError(configuration, connection)
            PQfinish(connection)
            throw error
        }
        return Handle(pointer: connection)
    }

    private static func connectError(_ configuration: PostgresConfiguration, _ connection: OpaquePointer) -> LabrunError {
        let said = PQerrorMessage(connection).map { String(cString: $0) }?
            .trimmingCharacters(in: .whitespacesAndNewlines) ?? "no message"
        return LabrunError(id: ErrorID.pgConnect, exitCode: ExitCode.unavailable,
                           message: "Could not connect to PostgreSQL at \(configuration) (timeout \(configuration.connectTimeout)s): \(said)",
                           advice: "Check that the server is running and reachable, and the user, password and database.")
    }

    private static func exec(_ connection: OpaquePointer, _ sql: String, _ parameters: [String?],
                             _ configuration: PostgresConfiguration) throws -> PostgresResult {
        let copies: [UnsafeMutablePointer<CChar>?] = parameters.map { $0.map { strdup($0) } ?? nil }
        defer { copies.forEach { free($0) } }
        var pointers: [UnsafePointer<CChar>?] = copies.map { $0.map { UnsafePointer($0) } }
        let result = pointers.withUnsafeMutableBufferPointer { buffer in
            PQexecParams(connection, sql, Int32(parameters.count), nil,
                         parameters.isEmpty ? nil : buffer.baseAddress, nil, nil, 0)
        }
        guard let result else {
            let said = PQerrorMessage(connection).map { String(cString: $0) }?
                .trimmingCharacters(in: .whitespacesAndNewlines) ?? "no message"
            throw LabrunError(id: ErrorID.pgQuery, exitCode: ExitCode.external,
                              message: "PostgreSQL at \(configuration) did not answer the query \(short(sql)): \(said)")
        }
        defer { PQclear(result) }
        let status = PQresultStatus(result)
        switch status {
        case PGRES_COMMAND_OK, PGRES_TUPLES_OK, PGRES_EMPTY_QUERY:
            return decodeResult(result)
        default:
            func field(_ code: Character) -> String? {
                guard let ascii = code.asciiValue, let text = PQresultErrorField(result, Int32(ascii)) else { return nil }
                return String(cString: text)
            }
            let sqlState = field("C") ?? "?????"
            let primary = field("M") ?? PQresultErrorMessage(result).map { String(cString: $0) } ?? "no message"
            var message = "PostgreSQL refused the query \(short(sql)) (SQLSTATE \(sqlState)): \(primary.trimmingCharacters(in: .whitespacesAndNewlines))"
            if let detail = field("D") { message += " — \(detail)" }
            if !message.hasSuffix(".") { message += "." }
            throw LabrunError(id: ErrorID.pgQuery, exitCode: ExitCode.external, message: message,
                              advice: field("H"), debugDetail: "SQLSTATE=\(sqlState)\n\(sql)")
        }
    }

    private static func decodeResult(_ result: OpaquePointer) -> PostgresResult {
        let columnCount = Int(PQnfields(result))
        let rowCount = Int(PQntuples(result))
        let columns = (0..<columnCount).map { PQfname(result, Int32($0)).map { String(cString: $0) } ?? "?column?" }
        let index = Dictionary(columns.enumerated().map { ($1, $0) }, uniquingKeysWith: { first, _ in first })
        var rows: [PostgresRow] = []
        rows.reserveCapacity(rowCount)
        for row in 0..<rowCount {
            var values: [String?] = []
            values.reserveCapacity(columnCount)
            for column in 0..<columnCount {
                if PQgetisnull(result, Int32(row), Int32(column)) == 1 {
                    values.append(nil)
                } else {
                    values.append(PQgetvalue(result, Int32(row), Int32(column)).map { String(cString: $0) } ?? "")
                }
            }
            rows.append(PostgresRow(columns: columns, values: values, index: index))
        }
        let tag = PQcmdStatus(result).map { String(cString: $0) } ?? ""
        let affected = PQcmdTuples(result).flatMap { Int(String(cString: $0)) } ?? 0
        return PostgresResult(columns: columns, rows: rows, rowsAffected: affected, commandTag: tag)
    }

    /// The first line of a statement, shortened, for messages.
    static func short(_ sql: String) -> String {
        let flat = sql.split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) }.joined(separator: " ")
        return "`" + (flat.count > 120 ? String(flat.prefix(120)) + "…" : flat) + "`"
    }
}

/// The statements of one transaction (see `PostgresConnection.readOnlyTransaction`).
public struct PostgresTransaction: Sendable {
    let connection: PostgresConnection

    /// Runs one statement inside the transaction.
    public func query(_ sql: String, _ parameters: [any PostgresEncodable] = []) async throws -> PostgresResult {
        try await connection.execute(sql, parameters, reconnect: false)
    }

    /// Runs a statement inside the transaction and returns the rows it changed.
    @discardableResult
    public func execute(_ sql: String, _ parameters: [any PostgresEncodable] = []) async throws -> Int {
        try await query(sql, parameters).rowsAffected
    }
}

extension LabrunError {
    /// The SQLSTATE of a PostgreSQL error (`23505` unique violation, `42P01` undefined table…), or nil.
    public var sqlState: String? {
        guard id == ErrorID.pgQuery, let detail = debugDetail, detail.hasPrefix("SQLSTATE=") else { return nil }
        let code = detail.dropFirst("SQLSTATE=".count).prefix(5)
        return code.count == 5 && code != "?????" ? String(code) : nil
    }
}
