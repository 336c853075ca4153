#if os(Linux)
import CEpoll
import Foundation
import LabrunCore
import Synchronization

/// The thread of a `PlainHTTPClient`: `epoll_wait` over non-blocking sockets, a pool of kept-alive
/// connections per endpoint, every request's deadline.
///
/// Other threads only hand work over (`submit`, `cancel`, `shutdown`) through a locked queue and an
/// eventfd, written only when the queue goes from empty to non-empty: a burst of requests costs one
/// wake-up. Everything else — sockets, pools, parsing, completions — happens on the loop's thread.
/// A schedule (`PlainHTTPClient.run(schedule:)`) runs on that thread too: the requests it starts skip
/// the lock and the eventfd, and the loop's wait ends when the schedule's next request is due.
///
/// A request takes an idle connection of its endpoint, or opens one while fewer than the limit are
/// open, or waits (in order) for one to come free; the wait counts in its time. A connection is kept
/// for the next request unless the request or the answer said `Connection: close`, the answer ran to
/// the close, or it timed out. A request sent on a kept-alive connection that the server had already
/// closed (the connection ends before the first byte of the answer) is sent once more on a fresh
/// connection, as libcurl does — for any method, so a write the server did act on before closing
/// could be applied twice (the load's writes carry idempotency keys). Kept-alive connections idle for
/// `maxIdle` seconds are closed.
final class PlainEventLoop: @unchecked Sendable {
    private let connectTimeout: UInt64
    private let limitPerEndpoint: Int
    /// Each new connection's parser, copied (it holds the fields to keep).
    private let freshParser: HTTPResponseParser
    private let epoll: Int32
    private let wake: Int32
    private let events: UnsafeMutablePointer<epoll_event>
    /// Every read lands here first (one buffer for the loop, not one per connection); what a read leaves
    /// unparsed — the start of a line — is kept in the connection's `carry`. Larger than a whole head.
    private let scratch: UnsafeMutableRawBufferPointer

    private let lock = NSLock()
    private var incoming: [PlainExchange] = []
    private var cancellations: [PlainExchange] = []
    private var schedulesAdded: [PlainSchedule] = []
    private var schedulesStopped: [PlainSchedule] = []
    private var stopRequested = false
    /// The loop thread's `pthread_self()` (0 until it runs): `submit` from it skips the lock.
    private let loopThread = Atomic<UInt>(0)
    private let stopped = DispatchSemaphore(value: 0)
    private var thread: Thread?

    // Loop thread only.
    private var taken: [PlainExchange] = []
    private var cancelsTaken: [PlainExchange] = []
    /// Requests started on the loop's thread (by a schedule or a completion), dispatched after it returns.
    private var local: [PlainExchange] = []
    private var schedules: [PlainSchedule] = []
    private var schedulesAddedTaken: [PlainSchedule] = []
    private var schedulesStoppedTaken: [PlainSchedule] = []
    private var connections: [PlainConnection?] = []
    private var generations: [UInt32] = []
    private var freeSlots: [Int] = []
    private var pools: [ObjectIdentifier: PlainPool] = [:]
    private var lastPool: PlainPool?
    private var deadlines = DeadlineLists()
    private var connecting: [PlainConnection] = []
    private var idleCount = 0
    private var nextSweep: UInt64 = 0
    private var now: UInt64 = 0
    /// The loop has stopped: a request started from a completion now fails at once.
    private var tearingDown = false
    private let threadName: String

    private static let eventCapacity: Int32 = 256
    private static let scratchSize = 128 * 1024
    private static let wakeToken = UInt64.max
    /// Seconds a kept-alive connection may stay unused (libcurl's default maximum age is 118 s; servers
    /// commonly close after 60–75 s, and a connection through a NAT may be dropped silently before).
    static let maxIdle = 60.0
    private static let sweepInterval: UInt64 = 5_000_000_000

    init(name: String, configuration: HTTPClientConfiguration) throws {
        threadName = name
        let timeout = configuration.connectTimeout.isFinite && configuration.connectTimeout > 0
            ? min(configuration.connectTimeout, 86_400) : 86_400
        connectTimeout = UInt64(timeout * 1e9)
        limitPerEndpoint = configuration.maxConnectionsPerHost
        freshParser = HTTPResponseParser(headRequest: false, keptFields: configuration.keptResponseHeaders)
        epoll = lr_epoll_create()
        wake = lr_eventfd_create()
        guard epoll >= 0, wake >= 0, lr_epoll_add(epoll, wake, lr_epoll_in, Self.wakeToken) == 0,
              let events = lr_epoll_events_allocate(Self.eventCapacity) else {
            let reason = String(cString: strerror(errno))
            if epoll >= 0 { _ = close(epoll) }
            if wake >= 0 { _ = close(wake) }
            throw LabrunError(id: ErrorID.httpSetup, exitCode: ExitCode.unavailable,
                              message: "The plain HTTP engine could not set up epoll: \(reason).",
                              advice: "Check the process's limit on open files (ulimit -n).")
        }
        self.events = events
        scratch = .allocate(byteCount: Self.scratchSize, alignment: 16)
        let thread = Thread { [self] in self.run() }
        thread.name = name
        self.thread = thread
        thread.start()
    }

    deinit {
        lr_epoll_events_free(events)
        scratch.deallocate()
    }

    /// Hands a request to the loop.
    func submit(_ exchange: PlainExchange) {
        if loopThread.load(ordering: .relaxed) == UInt(pthread_self()) {
            if tearingDown { exchange.finish(.failure(exchange.closed())) } else { local.append(exchange) }
            return
        }
        let first = lock.withLock { () -> Bool? in
            guard !stopRequested else { return nil }
            incoming.append(exchange)
            return incoming.count == 1
        }
        switch first {
        case true?: lr_eventfd_signal(wake)
        case false?: break
        case nil: exchange.finish(.failure(exchange.closed()))
        }
    }

    /// Asks the loop to abort a request (harmless once it ended).
    func cancel(_ exchange: PlainExchange) {
        lock.withLock { cancellations.append(exchange) }
        lr_eventfd_signal(wake)
    }

    /// Runs `schedule` on the loop's thread until its tick returns nil or `stop` is called; then resumes its continuation.
    func add(_ schedule: PlainSchedule) {
        let accepted = lock.withLock { () -> Bool in
            guard !stopRequested else { return false }
            schedulesAdded.append(schedule)
            return true
        }
        if accepted { lr_eventfd_signal(wake) } else { schedule.finish() }
    }

    /// Stops a schedule (its task was cancelled); harmless once it ended.
    func stop(_ schedule: PlainSchedule) {
        lock.withLock { schedulesStopped.append(schedule) }
        lr_eventfd_signal(wake)
    }

    /// Stops the loop: requests not yet answered fail with `HTTP_CLOSED`, then the thread exits. Waits for it
    /// (unless called on the loop's own thread, from a completion).
    func shutdown() {
        let first = lock.withLock { () -> Bool in
            defer { stopRequested = true }
            return !stopRequested
        }
        guard first else { return }
        lr_eventfd_signal(wake)
        if let thread, Thread.current === thread { return }
        stopped.wait()
    }

    // MARK: The loop

    private func run() {
        loopThread.store(UInt(pthread_self()), ordering: .relaxed)
        Thread.current.name = threadName // in `perf top` and `ps -L`, rather than the creating thread's name
        now = PlainClock.nanoseconds()
        while true {
            let stop = lock.withLock { () -> Bool in
                swap(&incoming, &taken)
                swap(&cancellations, &cancelsTaken)
                swap(&schedulesAdded, &schedulesAddedTaken)
                swap(&schedulesStopped, &schedulesStoppedTaken)
                return stopRequested
            }
            if stop { break }
            for exchange in taken { dispatch(exchange) }
            taken.removeAll(keepingCapacity: true)
            for exchange in cancelsTaken { abort(exchange) }
            cancelsTaken.removeAll(keepingCapacity: true)
            if !schedulesAddedTaken.isEmpty || !schedulesStoppedTaken.isEmpty { updateSchedules() }
            if !schedules.isEmpty { runSchedules() }
            dispatchLocal()
            expire()
            dispatchLocal()
            let count = lr_epoll_wait(epoll, events, Self.eventCapacity, waitMilliseconds())
            now = PlainClock.nanoseconds()
            if count < 0 {
                if errno == EINTR { continue }
                break // EBADF, EINVAL: nothing the loop can go on with; every request fails as closed.
            }
            for index in 0..<Int(count) {
                let token = lr_epoll_event_token(events, Int32(index))
                if token == Self.wakeToken {
                    lr_eventfd_drain(wake)
                    continue
                }
                let slot = Int(token & 0xFFFF_FFFF)
                guard slot < connections.count, let connection = connections[slot],
                      connection.generation == UInt32(token >> 32) else { continue }
                handle(connection, flags: lr_epoll_event_flags(events, Int32(index)))
            }
        }
        teardown()
    }

    /// Dispatches the requests started on the loop's thread since the last time.
    private func dispatchLocal() {
        while !local.isEmpty {
            let batch = local
            local.removeAll(keepingCapacity: true)
            for exchange in batch { dispatch(exchange) }
        }
    }

    private func updateSchedules() {
        for schedule in schedulesAddedTaken {
            if !schedule.finished { schedules.append(schedule) }
        }
        schedulesAddedTaken.removeAll(keepingCapacity: true)
        for schedule in schedulesStoppedTaken {
            schedules.removeAll { $0 === schedule }
            schedule.finished = true
            schedule.finish()
        }
        schedulesStoppedTaken.removeAll(keepingCapacity: true)
    }

    /// Calls the ticks that are due: each sends what its schedule says is due and says when to come back.
    private func runSchedules() {
        var index = 0
        while index < schedules.count {
            let schedule = schedules[index]
            guard schedule.due <= now else {
                index += 1
                continue
            }
            if let wait = schedule.tick(), wait.isFinite {
                now = PlainClock.nanoseconds()
                schedule.due = now + UInt64(max(0, min(wait, 3600)) * 1e9)
                index += 1
            } else {
                schedules.remove(at: index)
                schedule.finished = true
                schedule.finish()
            }
        }
    }

    private func teardown() {
        tearingDown = true
        for case let connection? in connections { discard(connection) }
        let left = lock.withLock { () -> [PlainExchange] in
            stopRequested = true
            defer { incoming = [] }
            return incoming
        }
        // A request waiting for a connection is in the deadline lists too; `taken` holds the batch taken in
        // with the stop. A completion that starts another request meets `tearingDown` in `submit`.
        for exchange in deadlines.all + taken + left + local {
            exchange.finish(.failure(exchange.closed()))
        }
        taken = []
        local = []
        let stranded = lock.withLock { () -> [PlainSchedule] in
            defer { schedulesAdded = [] }
            return schedulesAdded
        }
        for schedule in schedules + schedulesAddedTaken + stranded { schedule.finish() }
        schedules = []
        _ = close(epoll)
        _ = close(wake)
        stopped.signal()
    }

    /// Milliseconds until the nearest deadline (a request's, a connect's, the idle sweep's); -1 for none.
    private func waitMilliseconds() -> Int32 {
        var next = deadlines.first?.deadline ?? .max
        for schedule in schedules { next = min(next, schedule.due) }
        for connection in connecting { next = min(next, connection.connectDeadline) }
        if idleCount > 0 { next = min(next, nextSweep) }
        if next == .max { return -1 }
        if next <= now { return 0 }
        return Int32(min((next - now + 999_999) / 1_000_000, 60_000))
    }

    // MARK: Requests

    private func dispatch(_ exchange: PlainExchange) {
        if exchange.cancelledEarly {
            exchange.finish(.failure(CancellationError()))
            return
        }
        deadlines.insert(exchange)
        let pool = pool(for: exchange.endpoint)
        if let connection = pool.idle.popLast() {
            idleCount -= 1
            assign(exchange, to: connection)
        } else if pool.hasRoom {
            open(exchange, in: pool)
        } else {
            pool.enqueue(exchange)
        }
    }

    private func pool(for endpoint: PlainEndpoint) -> PlainPool {
        if let lastPool, lastPool.endpoint === endpoint { return lastPool }
        let key = ObjectIdentifier(endpoint)
        let pool = pools[key] ?? PlainPool(endpoint: endpoint, limit: limitPerEndpoint)
        pools[key] = pool
        lastPool = pool
        return pool
    }

    /// Starts the waiting requests that now can: on idle connections, or on new ones while there is room.
    /// Not re-entered: a request that fails at once frees room, and this loop goes on to the next.
    private func pump(_ pool: PlainPool) {
        guard !pool.pumping else { return }
        pool.pumping = true
        defer { pool.pumping = false }
        while pool.hasWaiting {
            if !pool.idle.isEmpty {
                guard let exchange = pool.nextWaiting() else { break }
                let connection = pool.idle.removeLast()
                idleCount -= 1
                assign(exchange, to: connection)
            } else if pool.hasRoom {
                guard let exchange = pool.nextWaiting() else { break }
                open(exchange, in: pool)
            } else {
                break
            }
        }
    }

    /// Ends a request with an error; its connection (if any) is closed.
    private func fail(_ exchange: PlainExchange, _ error: any Error) {
        deadlines.remove(exchange)
        if let connection = exchange.connection {
            connection.exchange = nil
            discard(connection)
        }
        exchange.finish(.failure(error))
        pump(pool(for: exchange.endpoint))
    }

    /// A cancellation from `PlainHTTPClient.send`'s task.
    private func abort(_ exchange: PlainExchange) {
        guard !exchange.finished else { return }
        if exchange.deadlineList == nil {
            exchange.cancelledEarly = true // not taken in yet: `dispatch` ends it
        } else {
            fail(exchange, CancellationError())
        }
    }

    /// Ends the requests whose deadline passed, and the connects that took too long.
    private func expire() {
        while let first = deadlines.first, first.deadline <= now {
            let detail: String
            switch first.connection?.state {
            case .connecting?: detail = "no connection to \(first.endpoint.authority) within the limit"
            case .busy?: detail = first.connection?.parser.started == true ? "the answer did not complete" : "no answer"
            default: detail = "it waited for one of the \(limitPerEndpoint) connections to \(first.endpoint.authority) the whole time"
            }
            fail(first, first.timedOut(detail))
        }
        if !connecting.isEmpty {
            for connection in connecting where connection.connectDeadline <= now {
                guard let exchange = connection.exchange else {
                    discard(connection)
                    continue
                }
                let limit = formatSeconds(Double(connectTimeout) / 1e9)
                fail(exchange, LabrunError(
                    id: ErrorID.httpTimeout, exitCode: ExitCode.timeout,
                    message: "\(exchange.request.description) timed out: no connection to \(exchange.endpoint.authority) within the connect limit (\(limit)).",
                    advice: "Check that the server is up and reachable from this machine."))
            }
        }
        if idleCount > 0, now >= nextSweep {
            let oldest = now - UInt64(Self.maxIdle * 1e9)
            for pool in pools.values {
                for connection in pool.idle where connection.idleSince < oldest { discard(connection) }
            }
            nextSweep = now + Self.sweepInterval
        }
    }

    // MARK: Connections

    /// Opens a connection for `exchange` (to the next address when an earlier one failed for it).
    private func open(_ exchange: PlainExchange, in pool: PlainPool) {
        let addresses = pool.endpoint.addresses
        let addressIndex = (pool.preferredAddress + exchange.addressIndex) % addresses.count
        let address = addresses[addressIndex]
        let fd = lr_tcp_socket(address.family)
        guard fd >= 0 else {
            fail(exchange, exchange.transportFailed("no socket could be opened (\(String(cString: strerror(errno))))"))
            return
        }
        lr_tcp_tune(fd)
        let connection = adopt(fd, pool: pool)
        connection.exchange = exchange
        exchange.connection = connection
        if address.beginConnect(fd) == 0 {
            connected(connection, addressIndex: addressIndex)
            return
        }
        let code = errno
        guard code == EINPROGRESS else {
            connectFailed(connection, code: code)
            return
        }
        connection.state = .connecting
        connection.connectDeadline = now + connectTimeout
        connecting.append(connection)
        if lr_epoll_add(epoll, fd, lr_epoll_out, connection.token) != 0 {
            fail(exchange, exchange.transportFailed("epoll refused the socket (\(String(cString: strerror(errno))))"))
        }
    }

    /// Takes a new socket into the table.
    private func adopt(_ fd: Int32, pool: PlainPool) -> PlainConnection {
        let slot: Int
        if let free = freeSlots.popLast() {
            slot = free
        } else {
            slot = connections.count
            connections.append(nil)
            generations.append(0)
        }
        let connection = PlainConnection(fd: fd, slot: slot, generation: generations[slot], pool: pool, parser: freshParser)
        connections[slot] = connection
        pool.open += 1
        return connection
    }

    /// The non-blocking connect ended (EPOLLOUT, or an error).
    private func connectEnded(_ connection: PlainConnection) {
        connecting.removeAll { $0 === connection }
        let code = lr_socket_error(connection.fd)
        guard code == 0 else {
            connectFailed(connection, code: code)
            return
        }
        guard lr_epoll_modify(epoll, connection.fd, lr_epoll_in, connection.token) == 0, let exchange = connection.exchange else {
            connection.exchange.map { fail($0, $0.transportFailed("epoll refused the socket (\(String(cString: strerror(errno))))")) }
            return
        }
        let pool = connection.pool
        pool.preferredAddress = (pool.preferredAddress + exchange.addressIndex) % pool.endpoint.addresses.count
        exchange.addressIndex = 0
        connection.state = .busy
        writeRequest(connection)
    }

    /// `connect` succeeded at once (it rarely does for TCP, even on loopback).
    private func connected(_ connection: PlainConnection, addressIndex: Int) {
        guard lr_epoll_add(epoll, connection.fd, lr_epoll_in, connection.token) == 0 else {
            connection.exchange.map { fail($0, $0.transportFailed("epoll refused the socket (\(String(cString: strerror(errno))))")) }
            return
        }
        connection.pool.preferredAddress = addressIndex
        connection.exchange?.addressIndex = 0
        connection.state = .busy
        writeRequest(connection)
    }

    /// The connect was refused or failed: the next address of the endpoint, if there is one, else `HTTP_CONNECT`.
    private func connectFailed(_ connection: PlainConnection, code: Int32) {
        let pool = connection.pool
        let address = pool.endpoint.addresses[(pool.preferredAddress + (connection.exchange?.addressIndex ?? 0)) % pool.endpoint.addresses.count]
        let exchange = connection.exchange
        connection.exchange = nil
        exchange?.connection = nil
        discard(connection)
        guard let exchange, !exchange.finished else { return pump(pool) }
        if exchange.addressIndex + 1 < pool.endpoint.addresses.count {
            exchange.addressIndex += 1
            open(exchange, in: pool)
        } else {
            fail(exchange, exchange.connectFailed("\(String(cString: strerror(code))) (\(address))"))
        }
    }

    /// Closes a connection (in any state) and frees its slot; its request, if any, is the caller's to end.
    private func discard(_ connection: PlainConnection) {
        switch connection.state {
        case .closed: return
        case .idle:
            connection.pool.removeIdle(connection)
            idleCount -= 1
        case .connecting:
            connecting.removeAll { $0 === connection }
        case .busy:
            break
        }
        connection.state = .closed
        // Closing the descriptor takes it out of the epoll set (it is never duplicated).
        _ = close(connection.fd)
        connections[connection.slot] = nil
        generations[connection.slot] &+= 1
        freeSlots.append(connection.slot)
        connection.pool.open -= 1
        connection.exchange?.connection = nil
        connection.exchange = nil
        connection.carry = []
        connection.pendingWrite = []
    }

    /// Sends `exchange` on a kept-alive connection.
    private func assign(_ exchange: PlainExchange, to connection: PlainConnection) {
        connection.state = .busy
        connection.exchange = exchange
        exchange.connection = connection
        writeRequest(connection)
    }

    /// Writes the request of a busy connection: at once when the socket takes it all (nearly always),
    /// else the rest when EPOLLOUT says there is room.
    private func writeRequest(_ connection: PlainConnection) {
        guard let exchange = connection.exchange else { return }
        connection.parser.reset(headRequest: exchange.isHead)
        let head = exchange.head
        var written = 0
        while written < head.count {
            let count = head.withUnsafeBytes { Self.sendBytes(connection.fd, $0, from: written) }
            if count > 0 {
                written += count
                continue
            }
            let code = errno
            if code == EINTR { continue }
            if code == EAGAIN || code == EWOULDBLOCK {
                connection.pendingWrite = Array(head[written...])
                connection.pendingOffset = 0
                if lr_epoll_modify(epoll, connection.fd, lr_epoll_in | lr_epoll_out, connection.token) != 0 {
                    fail(exchange, exchange.transportFailed("epoll refused the socket (\(String(cString: strerror(errno))))"))
                }
                return
            }
            sendFailed(connection, exchange, code: code)
            return
        }
    }

    /// EPOLLOUT with part of a request still to send.
    private func writePending(_ connection: PlainConnection) {
        guard let exchange = connection.exchange else { return }
        while connection.pendingOffset < connection.pendingWrite.count {
            let count = connection.pendingWrite.withUnsafeBytes { Self.sendBytes(connection.fd, $0, from: connection.pendingOffset) }
            if count > 0 {
                connection.pendingOffset += count
                continue
            }
            let code = errno
            if code == EINTR { continue }
            if code == EAGAIN || code == EWOULDBLOCK { return }
            sendFailed(connection, exchange, code: code)
            return
        }
        connection.pendingWrite = []
        connection.pendingOffset = 0
        if lr_epoll_modify(epoll, connection.fd, lr_epoll_in, connection.token) != 0 {
            fail(exchange, exchange.transportFailed("epoll refused the socket (\(String(cString: strerror(errno))))"))
        }
    }

    /// `send(2)` of `bytes[offset...]`, without SIGPIPE.
    private static func sendBytes(_ fd: Int32, _ bytes: UnsafeRawBufferPointer, from offset: Int) -> Int {
        guard let base = bytes.baseAddress, offset < bytes.count else { return 0 }
        return send(fd, base + offset, bytes.count - offset, Platform.sendFlags)
    }

    private func sendFailed(_ connection: PlainConnection, _ exchange: PlainExchange, code: Int32) {
        if connection.served > 0, !exchange.retried, code == EPIPE || code == ECONNRESET {
            retry(exchange, from: connection)
        } else {
            fail(exchange, exchange.transportFailed("the request could not be sent (\(String(cString: strerror(code))))"))
        }
    }

    /// A kept-alive connection turned out closed before any byte of the answer: once more on a fresh one.
    private func retry(_ exchange: PlainExchange, from connection: PlainConnection) {
        exchange.retried = true
        discard(connection)
        open(exchange, in: connection.pool)
    }

    // MARK: Events

    private func handle(_ connection: PlainConnection, flags: UInt32) {
        switch connection.state {
        case .connecting:
            connectEnded(connection)
        case .busy:
            if flags & lr_epoll_out != 0, !connection.pendingWrite.isEmpty { writePending(connection) }
            if connection.state == .busy, flags & (lr_epoll_in | lr_epoll_err | lr_epoll_hup) != 0 { readAnswer(connection) }
        case .idle:
            // The server closed a kept-alive connection (or sent bytes nobody asked for): it is no use any more.
            discard(connection)
            pump(connection.pool)
        case .closed:
            break
        }
    }

    /// Reads what arrived and feeds the parser, until the answer is whole or the socket has nothing more.
    private func readAnswer(_ connection: PlainConnection) {
        guard let exchange = connection.exchange, let base = scratch.baseAddress else { return }
        while true {
            let carried = connection.carry.count
            if carried > 0 { connection.carry.withUnsafeBytes { scratch.copyMemory(from: $0) } }
            let room = scratch.count - carried
            let count = read(connection.fd, base + carried, room)
            if count > 0 {
                connection.carry.removeAll(keepingCapacity: true)
                let total = carried + count
                let used: Int
                do {
                    used = try connection.parser.consume(UnsafeRawBufferPointer(rebasing: scratch[0..<total]))
                } catch {
                    fail(exchange, exchange.transportFailed("the answer \(error.reason)"))
                    return
                }
                if connection.parser.isComplete {
                    answered(connection, exchange, leftover: used < total, ended: false)
                    return
                }
                if used < total { connection.carry.append(contentsOf: UnsafeRawBufferPointer(rebasing: scratch[used..<total])) }
                if count < room { return }
                continue
            }
            let code = count == 0 ? 0 : errno
            if code == EINTR { continue }
            if code == EAGAIN || code == EWOULDBLOCK { return }
            if code == 0 || code == ECONNRESET {
                ended(connection, exchange, reset: code == ECONNRESET)
            } else {
                fail(exchange, exchange.transportFailed("reading the answer failed (\(String(cString: strerror(code))))"))
            }
            return
        }
    }

    /// The server closed the connection (or reset it) while an answer was due.
    private func ended(_ connection: PlainConnection, _ exchange: PlainExchange, reset: Bool) {
        if !connection.parser.started, connection.served > 0, !exchange.retried {
            retry(exchange, from: connection)
            return
        }
        if reset {
            fail(exchange, exchange.transportFailed("the server reset the connection"
                                                    + (connection.parser.started ? " in the middle of the answer" : " without answering")))
            return
        }
        do {
            try connection.parser.endOfInput()
        } catch {
            fail(exchange, exchange.transportFailed("the answer \(error.reason)"))
            return
        }
        answered(connection, exchange, leftover: false, ended: true)
    }

    /// A whole answer: the request ends; the connection serves the next waiting request, waits idle, or closes.
    private func answered(_ connection: PlainConnection, _ exchange: PlainExchange, leftover: Bool, ended: Bool) {
        let (status, keepAlive) = (connection.parser.status, connection.parser.keepAlive)
        let (headers, body) = connection.parser.takeAnswer()
        connection.served += 1
        deadlines.remove(exchange)
        connection.exchange = nil
        exchange.connection = nil
        let pool = connection.pool
        // Bytes after the answer (HTTP/1.1 without pipelining never has any) mean the connection cannot be trusted.
        if !ended, !leftover, keepAlive, !exchange.closesConnection {
            if let next = pool.nextWaiting() {
                assign(next, to: connection)
            } else {
                connection.state = .idle
                connection.idleSince = now
                pool.idle.append(connection)
                idleCount += 1
                if nextSweep < now { nextSweep = now + Self.sweepInterval }
            }
        } else {
            discard(connection)
        }
        let elapsed = Double(PlainClock.nanoseconds() - exchange.submitted) / 1e9
        exchange.finish(.success(HTTPResponse(status: status, headers: headers, body: body,
                                              request: exchange.request.description, elapsed: elapsed)))
        pump(pool)
    }
}

/// A caller's schedule run on the loop's thread (`PlainHTTPClient.run(schedule:)`).
final class PlainSchedule: @unchecked Sendable {
    /// Sends what is due; returns the seconds until it should be called again, or nil when it is over.
    let tick: @Sendable () -> Double?
    private let lock = NSLock()
    private var continuation: CheckedContinuation<Void, Never>?
    private var ended = false
    // Loop thread only.
    var due: UInt64 = 0
    var finished = false

    init(tick: @escaping @Sendable () -> Double?) { self.tick = tick }

    /// The task that waits for the schedule's end (resumed at once if it already ended).
    func wait(_ continuation: CheckedContinuation<Void, Never>) {
        let now: Bool = lock.withLock {
            if ended { return true }
            self.continuation = continuation
            return false
        }
        if now { continuation.resume() }
    }

    /// Ends the schedule: resumes the waiting task (once, whenever it starts waiting).
    func finish() {
        let waiting: CheckedContinuation<Void, Never>? = lock.withLock {
            guard !ended else { return nil }
            ended = true
            defer { continuation = nil }
            return continuation
        }
        waiting?.resume()
    }
}
#endif
