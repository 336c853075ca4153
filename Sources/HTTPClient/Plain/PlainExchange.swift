#if os(Linux)
import Foundation
import LabrunCore

/// One request in `PlainEventLoop`: what to send, its deadline, who to tell when it ends.
/// Made on the submitting thread; from then on touched only on the loop's thread.
final class PlainExchange: @unchecked Sendable {
    let request: PlainRequest
    /// When it was submitted, and by when it must have ended (monotonic nanoseconds).
    let submitted: UInt64
    let deadline: UInt64
    private var completion: (@Sendable (Result<HTTPResponse, any Error>) -> Void)?

    var head: [UInt8] { request.head }
    var endpoint: PlainEndpoint { request.endpoint }
    var isHead: Bool { request.isHead }
    var closesConnection: Bool { request.closesConnection }

    // Loop thread only.
    /// Its place among the requests in flight (`DeadlineLists`): nil until the loop takes it in, and once it ended.
    unowned(unsafe) var deadlineList: DeadlineLists.List?
    unowned(unsafe) var previousByDeadline: PlainExchange?
    var nextByDeadline: PlainExchange?
    /// The connection it is on (connecting, sending or waiting for the answer); nil while it queues for one.
    var connection: PlainConnection?
    /// It was resent once on a fresh connection after a kept-alive one turned out closed.
    var retried = false
    /// Which of the endpoint's addresses its next connection tries.
    var addressIndex = 0
    /// A cancellation arrived before the loop took the request in.
    var cancelledEarly = false
    private(set) var finished = false

    init(_ request: PlainRequest, completion: @escaping @Sendable (Result<HTTPResponse, any Error>) -> Void) {
        self.request = request
        self.completion = completion
        submitted = PlainClock.nanoseconds()
        let timeout = request.timeout
        let limit = timeout.isFinite && timeout > 0 ? min(timeout, 365 * 86_400) : 365 * 86_400
        deadline = submitted + UInt64(limit * 1e9)
    }

    /// Calls the completion once (later calls do nothing).
    func finish(_ result: Result<HTTPResponse, any Error>) {
        guard !finished, let completion else { return }
        finished = true
        self.completion = nil
        connection = nil
        completion(result)
    }

    // MARK: Errors (the ids of the libcurl client, so `HTTPLoadTransport.classify` reads both alike)

    func timedOut(_ detail: String) -> LabrunError {
        LabrunError(id: ErrorID.httpTimeout, exitCode: ExitCode.timeout,
                    message: "\(request.description) timed out (limit \(formatSeconds(request.timeout))): \(detail).",
                    advice: "Check that the server is up and answering; raise the timeout if it is just slow.")
    }

    func connectFailed(_ detail: String) -> LabrunError {
        LabrunError(id: ErrorID.httpConnect, exitCode: ExitCode.unavailable,
                    message: "Could not connect for \(request.description): \(detail).",
                    advice: "Check that the server is running and that the address and port are right.")
    }

    func transportFailed(_ detail: String) -> LabrunError {
        LabrunError(id: ErrorID.httpTransport, exitCode: ExitCode.external, message: "\(request.description) failed: \(detail).")
    }

    func closed() -> LabrunError {
        LabrunError(id: ErrorID.httpClosed, message: "\(request.description) was not answered: the HTTP client was shut down.")
    }
}

/// The requests in flight by deadline: a list per distinct timeout (all of a load's requests share
/// one), in order of arrival, linked through the requests themselves — taking one in or out costs
/// O(1) and allocates nothing, where a heap cost a few per cent of the loop at 60,000 requests a
/// second. Within a list deadlines rise with arrival: a request handed over from another thread may
/// arrive a little after one made later on the loop's thread, and then expires that much late.
struct DeadlineLists {
    private var lists: [List] = []

    final class List {
        let timeout: UInt64
        var head: PlainExchange?
        unowned(unsafe) var tail: PlainExchange?
        init(timeout: UInt64) { self.timeout = timeout }
    }

    /// The request that expires first (each list's first, the earliest of them).
    var first: PlainExchange? {
        var earliest: PlainExchange?
        for list in lists {
            if let head = list.head, head.deadline < earliest?.deadline ?? .max { earliest = head }
        }
        return earliest
    }

    /// Every request in the lists.
    var all: [PlainExchange] {
        var found: [PlainExchange] = []
        for list in lists {
            var next = list.head
            while let exchange = next {
                found.append(exchange)
                next = exchange.nextByDeadline
            }
        }
        return found
    }

    mutating func insert(_ exchange: PlainExchange) {
        let timeout = exchange.deadline &- exchange.submitted
        let list: List
        if let found = lists.first(where: { $0.timeout == timeout }) {
            list = found
        } else {
            list = List(timeout: timeout)
            lists.append(list)
        }
        exchange.deadlineList = list
        exchange.previousByDeadline = list.tail
        exchange.nextByDeadline = nil
        if let tail = list.tail { tail.nextByDeadline = exchange } else { list.head = exchange }
        list.tail = exchange
    }

    mutating func remove(_ exchange: PlainExchange) {
        guard let list = exchange.deadlineList else { return }
        let previous = exchange.previousByDeadline
        let next = exchange.nextByDeadline
        if let previous { previous.nextByDeadline = next } else { list.head = next }
        if let next { next.previousByDeadline = previous } else { list.tail = previous }
        exchange.deadlineList = nil
        exchange.previousByDeadline = nil
        exchange.nextByDeadline = nil
    }
}
#endif
