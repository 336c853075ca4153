#if os(Linux)
import Foundation

/// One TCP connection of `PlainEventLoop`: its socket, what it is doing, and the answer it is reading.
/// Loop thread only.
final class PlainConnection {
    enum State {
        /// The non-blocking connect has not finished; `exchange` waits to be sent on it.
        case connecting
        /// Sending `exchange` and reading its answer.
        case busy
        /// Kept alive, in its pool's idle list.
        case idle
        case closed
    }

    let fd: Int32
    /// Its slot in the loop's table and the generation of that slot: together, the token of its epoll events
    /// (an event for a connection closed earlier in the same batch is recognised and dropped).
    let slot: Int
    let generation: UInt32
    let pool: PlainPool
    var state = State.connecting
    var exchange: PlainExchange?
    /// Reset for each answer (`HTTPResponseParser.reset`), not remade.
    var parser: HTTPResponseParser
    /// Bytes read but not yet parsed: the start of a line that the next read completes. Usually empty.
    var carry: [UInt8] = []
    /// What the socket did not take of the request at once (then EPOLLOUT is watched), and how much of it went.
    var pendingWrite: [UInt8] = []
    var pendingOffset = 0
    /// Answers read on it: a request on a connection that already served one may meet a stale keep-alive.
    var served = 0
    /// When connecting must have succeeded; when it went idle (monotonic nanoseconds).
    var connectDeadline: UInt64 = 0
    var idleSince: UInt64 = 0

    init(fd: Int32, slot: Int, generation: UInt32, pool: PlainPool, parser: HTTPResponseParser) {
        self.parser = parser
        self.fd = fd
        self.slot = slot
        self.generation = generation
        self.pool = pool
    }

    /// Its epoll token: the generation in the high 32 bits, the slot in the low ones.
    var token: UInt64 { UInt64(generation) << 32 | UInt64(slot) }
}

/// The connections to one endpoint and the requests waiting for one of them. Loop thread only.
final class PlainPool {
    let endpoint: PlainEndpoint
    /// Most connections open at once (connecting, busy or idle); 0 for no limit.
    let limit: Int
    /// Connections open, connecting included.
    var open = 0
    /// Kept-alive connections, the most recently used last (taken first: its socket is the warmest).
    var idle: [PlainConnection] = []
    /// Requests waiting for a connection, in order of arrival (`waiting[waitingHead...]`).
    private var waiting: [PlainExchange] = []
    private var waitingHead = 0
    /// Which address of the endpoint worked last.
    var preferredAddress = 0
    /// `PlainEventLoop.pump` is running for this pool (it is not re-entered).
    var pumping = false

    init(endpoint: PlainEndpoint, limit: Int) {
        self.endpoint = endpoint
        self.limit = limit
    }

    var hasRoom: Bool { limit <= 0 || open < limit }

    var hasWaiting: Bool { waitingHead < waiting.count }

    func enqueue(_ exchange: PlainExchange) { waiting.append(exchange) }

    /// The next request still waiting (one that timed out while waiting is skipped).
    func nextWaiting() -> PlainExchange? {
        while waitingHead < waiting.count {
            let exchange = waiting[waitingHead]
            waitingHead += 1
            if waitingHead == waiting.count {
                waiting.removeAll(keepingCapacity: true)
                waitingHead = 0
            } else if waitingHead >= 1024 && waitingHead * 2 >= waiting.count {
                waiting.removeFirst(waitingHead)
                waitingHead = 0
            }
            if !exchange.finished { return exchange }
        }
        return nil
    }

    func removeIdle(_ connection: PlainConnection) {
        if let index = idle.lastIndex(where: { $0 === connection }) { idle.remove(at: index) }
    }
}
#endif
