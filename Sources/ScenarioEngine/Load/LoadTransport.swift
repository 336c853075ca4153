import Foundation
import ScenarioModel

/// The seam between the load generator and the network: starts one request, reports how it ended.
///
/// The real transport (`HTTPLoadTransport`) turns each operation into the HTTP request the stack
/// file's template describes. `start` returns at once and calls `completion` exactly once, from any
/// thread (possibly before `start` returns); it must enforce `request.timeout` itself and answer
/// `.timeout` when it passes; it never throws. No task per request: at thousands of requests a second
/// a task each cost more memory and CPU than the requests (issue 11).
public protocol LoadTransport: Sendable {
    func start(_ request: LoadRequest, completion: @escaping @Sendable (LoadResponse) -> Void)
}

/// A transport that can run the load's schedule on its own thread (the epoll engine's loop): the
/// `LoadRunner` then sends from there instead of waking its task for every batch.
public protocol ScheduledLoadTransport: LoadTransport {
    /// Calls `tick` on the transport's thread until it returns nil (see `HTTPScheduling.run(schedule:)`);
    /// returns false at once when this transport cannot (its client has no loop of its own to run it on),
    /// and the caller ticks the schedule itself.
    func run(schedule tick: @escaping @Sendable () -> Double?) async -> Bool
}

extension LoadTransport {
    /// Sends one request and waits for its end (the capacity probe's closed-loop workers). When the task is
    /// cancelled it returns `.connection("cancelled")` at once; the request itself ends within its timeout.
    public func send(_ request: LoadRequest) async -> LoadResponse {
        let answer = OnceAnswer()
        return await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                answer.wait(continuation)
                start(request) { answer.resume($0) }
            }
        } onCancel: {
            answer.resume(LoadResponse(outcome: .connection("cancelled")))
        }
    }
}

/// The first of an answer and a cancellation, handed to the one waiter whichever comes first.
private final class OnceAnswer: @unchecked Sendable {
    private let lock = NSLock()
    private var continuation: CheckedContinuation<LoadResponse, Never>?
    private var early: LoadResponse?
    private var done = false

    func wait(_ continuation: CheckedContinuation<LoadResponse, Never>) {
        let ready: LoadResponse? = lock.withLock {
            if let early { done = true; return early }
            self.continuation = continuation
            return nil
        }
        if let ready { continuation.resume(returning: ready) }
    }

    func resume(_ response: LoadResponse) {
        let waiting: CheckedContinuation<LoadResponse, Never>? = lock.withLock {
            guard !done else { return nil }
            guard let continuation else {
                if early == nil { early = response }
                return nil
            }
            done = true
            self.continuation = nil
            return continuation
        }
        waiting?.resume(returning: response)
    }
}

/// One request the load generator wants sent.
public struct LoadRequest: Sendable, Hashable {
    public var sequence: Int
    public var operation: LoadOperation
    /// For an operation that uses `${idempotencyKey}`: unique per run, so the write ledger can find the row.
    public var idempotencyKey: String?
    /// Captured values the operation's template needs (`id` → `42`).
    public var variables: [String: String]
    /// Seconds after which the transport gives up and answers `.timeout`.
    public var timeout: Double

    public init(sequence: Int, operation: LoadOperation, idempotencyKey: String? = nil, variables: [String: String] = [:],
                timeout: Double) {
        self.sequence = sequence
        self.operation = operation
        self.idempotencyKey = idempotencyKey
        self.variables = variables
        self.timeout = timeout
    }
}

/// How a request ended, with the headers the accounting needs.
public struct LoadResponse: Sendable, Hashable {
    public var outcome: RequestOutcome
    /// The serving pod (the stack's `headers.servedBy`).
    public var servedBy: String?
    /// The serving version (the stack's `headers.version`).
    public var version: String?
    /// For a successful answer: the values the operation captures (`id` → `42`).
    public var captured: [String: String]

    public init(outcome: RequestOutcome, servedBy: String? = nil, version: String? = nil, captured: [String: String] = [:]) {
        self.outcome = outcome
        self.servedBy = servedBy
        self.version = version
        self.captured = captured
    }
}
