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
    /// Position in the loop's `DeadlineHeap` (-1 when not in it).
    var heapIndex = -1
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

/// The requests in flight ordered by deadline: a binary min-heap whose entries know their position,
/// so one that ends is taken out in O(log n) (a heap of every request until its deadline passed would
/// hold a second's worth of them — tens of thousands — at full rate).
struct DeadlineHeap {
    private(set) var items: [PlainExchange] = []

    var isEmpty: Bool { items.isEmpty }
    var first: PlainExchange? { items.first }

    mutating func insert(_ exchange: PlainExchange) {
        exchange.heapIndex = items.count
        items.append(exchange)
        up(items.count - 1)
    }

    mutating func remove(_ exchange: PlainExchange) {
        let index = exchange.heapIndex
        guard index >= 0, index < items.count, items[index] === exchange else { return }
        exchange.heapIndex = -1
        let last = items.removeLast()
        guard index < items.count else { return }
        items[index] = last
        last.heapIndex = index
        if index > 0, last.deadline < items[(index - 1) / 2].deadline { up(index) } else { down(index) }
    }

    private mutating func up(_ start: Int) {
        var index = start
        let item = items[index]
        while index > 0 {
            let parent = (index - 1) / 2
            guard item.deadline < items[parent].deadline else { break }
            items[index] = items[parent]
            items[index].heapIndex = index
            index = parent
        }
        items[index] = item
        item.heapIndex = index
    }

    private mutating func down(_ start: Int) {
        var index = start
        let item = items[index]
        let count = items.count
        while true {
            let left = 2 * index + 1
            guard left < count else { break }
            let right = left + 1
            let child = right < count && items[right].deadline < items[left].deadline ? right : left
            guard items[child].deadline < item.deadline else { break }
            items[index] = items[child]
            items[index].heapIndex = index
            index = child
        }
        items[index] = item
        item.heapIndex = index
    }
}
#endif
