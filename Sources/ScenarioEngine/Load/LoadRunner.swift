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
/// Each request is started on the transport with a completion (no task per request), and each record
/// goes to a `RequestLog` file as it completes (no list in memory): memory stays flat at any rate and
/// any length of run. What is due is worked out by one `LoadSchedule`, ticked either by this task
/// (sleeping between batches) or, when the transport can run it (`ScheduledLoadTransport`: the epoll
/// engine), on the transport's own thread — no task woken per batch, no hand-off of every request
/// between threads, which cost a third of the generator's CPU at tens of thousands of requests a second.
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

    /// The shortest sleep of the scheduling task: requests due within it are sent together (see `run`).
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
        let schedule = LoadSchedule(self, start: start, control: control, log: log)
        // The transport's thread keeps real time: a test's manual clock is ticked by this task.
        if clock is SystemClock, let scheduled = transport as? any ScheduledLoadTransport,
           await scheduled.run(schedule: { schedule.tick() }) {
            // Ran on the transport's thread.
        } else {
            while !Task.isCancelled, let wait = schedule.tick() {
                // Sleep at least a quantum: every request due by the wake-up goes out in one batch. A sleep per
                // request cost more CPU than the request above a few thousand a second (a timer and two thread
                // wake-ups each). A request may leave up to a quantum after its intended time; its latency is
                // measured from the intended time all the same, so the delay is charged, never hidden.
                do { try await clock.sleep(seconds: max(wait, Self.quantum)) } catch { break }
            }
        }
        await schedule.inFlight.drained()
    }
}

/// What a `LoadRunner` has sent so far, and the sending of what is due: one tick at a time, from the
/// runner's task or from the transport's thread (one caller at a time, never two at once).
final class LoadSchedule: @unchecked Sendable {
    private let arrivals: ArrivalSchedule
    private var picker: OperationPicker
    private let captured: CapturedValues
    private let control: LoadControl
    private let log: RequestLog
    private let clock: any LabClock
    private let transport: any LoadTransport
    private let onRecord: (@Sendable (RequestRecord) -> Void)?
    private let maxInFlight: Int
    private let requestTimeout: Double
    private let keyPrefix: String
    let inFlight = InFlight()
    private var index = 0

    init(_ runner: LoadRunner, start: Double, control: LoadControl, log: RequestLog) {
        arrivals = ArrivalSchedule(rate: runner.rate, start: start)
        picker = OperationPicker(mix: runner.mix)
        captured = CapturedValues(traffic: runner.traffic)
        self.control = control
        self.log = log
        clock = runner.clock
        transport = runner.transport
        onRecord = runner.onRecord
        maxInFlight = runner.maxInFlight
        requestTimeout = runner.requestTimeout
        keyPrefix = runner.keyPrefix
    }

    /// Sends every request whose intended time has come; returns the seconds until the next one is due, or
    /// nil once the control says stop. The clock is read once per batch (and once more before returning):
    /// the requests of a batch share their `start`, the time the batch began, which none precedes.
    func tick() -> Double? {
        let stop = control.stopTime ?? .infinity
        var now = clock.now()
        while true {
            let intended = arrivals.intendedTime(of: index)
            if intended >= stop { return nil }
            if intended > now {
                now = clock.now()
                if intended > now { return intended - now }
            }
            send(index, intended: intended, sent: now)
            index += 1
        }
    }

    private func send(_ sequence: Int, intended: Double, sent: Double) {
        let (operation, variables) = captured.resolve(picker.next())
        let keyed = captured.usesIdempotencyKey(operation)
        let request = LoadRequest(sequence: sequence, operation: operation,
                                  idempotencyKey: keyed ? "\(keyPrefix)-\(sequence)" : nil,
                                  variables: variables, timeout: requestTimeout)
        guard inFlight.enter(limit: maxInFlight) else {
            let record = RequestRecord(sequence: request.sequence, operation: operation, intended: intended, start: sent,
                                       end: sent, outcome: .overload, idempotencyKey: request.idempotencyKey)
            log.append(record)
            onRecord?(record)
            return
        }
        let (clock, log, captured, inFlight, onRecord) = (clock, log, captured, inFlight, onRecord)
        transport.start(request) { response in
            let record = RequestRecord(sequence: request.sequence, operation: request.operation, intended: intended,
                                       start: sent, end: clock.now(), outcome: response.outcome,
                                       servedBy: response.servedBy, version: response.version,
                                       idempotencyKey: request.idempotencyKey,
                                       session: captured.session(of: request, captured: response.captured))
            if response.outcome.isSuccess { captured.remember(response.captured, variables: request.variables) }
            log.append(record)
            onRecord?(record)
            inFlight.leave()
        }
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
