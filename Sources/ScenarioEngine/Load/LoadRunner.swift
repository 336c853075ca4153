import Foundation
import LabrunCore
import StackModel
import ScenarioModel

/// Drives a `LoadTransport` at a constant arrival rate and records every request.
///
/// An open model: request `i` is sent at its intended time whether or not earlier requests have
/// answered, so a slow server cannot slow the load down and hide its latency. At most
/// `maxInFlight` requests are outstanding; a request due while the cap is reached is not sent and
/// is recorded as `.overload` (an error), so the schedule never slips.
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
    /// Called with every record as it completes (for live progress); must be quick.
    public var onRecord: (@Sendable (RequestRecord) -> Void)?

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

    /// Runs from `start` (run clock) until `control` says stop, then waits for requests in flight.
    /// Returns every record, sorted by sequence. Cancellation stops scheduling at once.
    public func run(start: Double, control: LoadControl) async -> [RequestRecord] {
        let schedule = ArrivalSchedule(rate: rate, start: start)
        var picker = OperationPicker(mix: mix)
        let state = RunnerState()
        let captured = CapturedValues(traffic: traffic)
        var records: [RequestRecord] = []
        await withTaskGroup(of: RequestRecord.self) { group in
            var index = 0
            while !Task.isCancelled {
                let intended = schedule.intendedTime(of: index)
                if control.isStopped(at: intended) { break }
                let wait = intended - clock.now()
                if wait > 0 {
                    do { try await clock.sleep(seconds: wait) } catch { break }
                }
                let (operation, variables) = captured.resolve(picker.next())
                let keyed = traffic.operation(operation.rawValue)?.usesIdempotencyKey == true
                let request = LoadRequest(sequence: index, operation: operation,
                                          idempotencyKey: keyed ? "\(keyPrefix)-\(index)" : nil,
                                          variables: variables, timeout: requestTimeout)
                index += 1
                guard state.enter(limit: maxInFlight) else {
                    let now = clock.now()
                    let record = RequestRecord(sequence: request.sequence, operation: operation, intended: intended, start: now,
                                               end: now, outcome: .overload, idempotencyKey: request.idempotencyKey)
                    records.append(record)
                    onRecord?(record)
                    continue
                }
                let (clock, transport, onRecord) = (self.clock, self.transport, self.onRecord)
                group.addTask {
                    let sent = clock.now()
                    let response = await transport.send(request)
                    let record = RequestRecord(sequence: request.sequence, operation: request.operation, intended: intended,
                                               start: sent, end: clock.now(), outcome: response.outcome,
                                               servedBy: response.servedBy, version: response.version,
                                               idempotencyKey: request.idempotencyKey)
                    if response.outcome.isSuccess { captured.remember(response.captured) }
                    state.leave()
                    onRecord?(record)
                    return record
                }
            }
            for await record in group { records.append(record) }
        }
        return records.sorted { $0.sequence < $1.sequence }
    }
}

/// Requests of one run in flight, against the cap.
private final class RunnerState: @unchecked Sendable {
    private let lock = NSLock()
    private var inFlight = 0

    /// Takes an in-flight slot, or returns false when all `limit` are taken.
    func enter(limit: Int) -> Bool {
        lock.withLock {
            guard inFlight < limit else { return false }
            inFlight += 1
            return true
        }
    }

    func leave() { lock.withLock { inFlight -= 1 } }
}
