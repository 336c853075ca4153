import Foundation
import LabrunCore
import StackModel
import ScenarioModel

/// Drives a `LoadTransport` at a constant arrival rate and logs every request.
///
/// An open model: request `i` is sent at its intended time whether or not earlier requests have
/// answered, so a slow server cannot slow the load down and hide its latency. At most
/// `maxInFlight` requests are outstanding; a request due while the cap is reached is not sent and
/// is recorded as `.overload` (an error), so the schedule never slips.
///
/// One task schedules; each request is started on the transport with a completion (no task per
/// request), and each record goes to a `RequestLog` file as it completes (no list in memory): memory
/// stays flat at any rate and any length of run.
public struct LoadRunner: Sendable {
    /// Arrivals per second: the spec's fixed rate, or the one a `CapacityProbe` resolved.
    public var rate: Double
    public var mix: [LoadOperation: Int]
    /// The stack's operations (what each needs and captures).
    public var traffic: StackTraffic
    public var maxInFlight: Int
    public var requestTimeout: Double
    /// Prefix of idempotency keys: `<prefix>-<sequence>` (make it unique per run).
    public var keyPrefix: String
    public var clock: any LabClock
    public var transport: any LoadTransport
    /// Called with every record as it completes (for live progress), on the transport's thread; must be quick.
    public var onRecord: (@Sendable (RequestRecord) -> Void)?

    /// The shortest sleep of the scheduler: requests due within it are sent together (see `run`).
    public static let quantum = 0.001

    /// A runner of `spec`'s mix, timeout and cap at `rate` arrivals per second (for a fixed rate, `spec.rate.fixedRate`).
    public init(spec: LoadSpec, traffic: StackTraffic, rate: Double, keyPrefix: String, clock: any LabClock,
                transport: any LoadTransport, onRecord: (@Sendable (RequestRecord) -> Void)? = nil) {
        self.rate = rate
        mix = spec.mix
        self.traffic = traffic
        maxInFlight = spec.maxInFlight
        requestTimeout = spec.requestTimeout.seconds
        self.keyPrefix = keyPrefix
        self.clock = clock
        self.transport = transport
        self.onRecord = onRecord
    }

    /// Runs from `start` (run clock) until `control` says stop, then waits for the requests in flight;
    /// every request's record goes to `log`. Cancellation stops scheduling and returns at once (records
    /// of requests still in flight may reach the log later).
    public func run(start: Double, control: LoadControl, log: RequestLog) async {
        let schedule = ArrivalSchedule(rate: rate, start: start)
        var picker = OperationPicker(mix: mix)
        let state = InFlight()
        let captured = CapturedValues(traffic: traffic)
        let (clock, transport, onRecord) = (self.clock, self.transport, self.onRecord)
        var index = 0
        while !Task.isCancelled {
            let intended = schedule.intendedTime(of: index)
            if control.isStopped(at: intended) { break }
            let wait = intended - clock.now()
            if wait > 0 {
                // Sleep at least a quantum: every request due by the wake-up goes out in one batch. A sleep per
                // request cost more CPU than the request above a few thousand a second (a timer and two thread
                // wake-ups each). A request may leave up to a quantum after its intended time; its latency is
                // measured from the intended time all the same, so the delay is charged, never hidden.
                do { try await clock.sleep(seconds: max(wait, Self.quantum)) } catch { break }
            }
            let (operation, variables) = captured.resolve(picker.next())
            let keyed = captured.usesIdempotencyKey(operation)
            let request = LoadRequest(sequence: index, operation: operation,
                                      idempotencyKey: keyed ? "\(keyPrefix)-\(index)" : nil,
                                      variables: variables, timeout: requestTimeout)
            index += 1
            let sent = clock.now()
            guard state.enter(limit: maxInFlight) else {
                let record = RequestRecord(sequence: request.sequence, operation: operation, intended: intended, start: sent,
                                           end: sent, outcome: .overload, idempotencyKey: request.idempotencyKey)
                log.append(record)
                onRecord?(record)
                continue
            }
            transport.start(request) { response in
                let record = RequestRecord(sequence: request.sequence, operation: request.operation, intended: intended,
                                           start: sent, end: clock.now(), outcome: response.outcome,
                                           servedBy: response.servedBy, version: response.version,
                                           idempotencyKey: request.idempotencyKey)
                if response.outcome.isSuccess { captured.remember(response.captured) }
                log.append(record)
                onRecord?(record)
                state.leave()
            }
        }
        await state.drained()
    }
}

/// Requests of one run in flight, against the cap; and the wait for the last of them.
final class InFlight: @unchecked Sendable {
    private let lock = NSLock()
    private var count = 0
    private var waiter: CheckedContinuation<Void, Never>?

    /// Takes an in-flight slot, or returns false when all `limit` are taken.
    func enter(limit: Int) -> Bool {
        lock.withLock {
            guard count < limit else { return false }
            count += 1
            return true
        }
    }

    func leave() {
        let done: CheckedContinuation<Void, Never>? = lock.withLock {
            count -= 1
            guard count == 0 else { return nil }
            defer { waiter = nil }
            return waiter
        }
        done?.resume()
    }

    /// Returns when nothing is in flight, or at once when the task is cancelled.
    func drained() async {
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                let now: Bool = lock.withLock {
                    if count == 0 || Task.isCancelled { return true }
                    waiter = continuation
                    return false
                }
                if now { continuation.resume() }
            }
        } onCancel: {
            let waiting: CheckedContinuation<Void, Never>? = lock.withLock {
                defer { waiter = nil }
                return waiter
            }
            waiting?.resume()
        }
    }
}
