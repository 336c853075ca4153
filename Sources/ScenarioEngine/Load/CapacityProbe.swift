import Foundation
import LabrunCore
import StackModel
import ScenarioModel

/// Measures the stack's capacity at the start of a run, for a load whose rate is a share of it.
///
/// A closed loop: `concurrency` workers each send a request of the load's mix, wait for its answer and
/// send the next, for `measureFor`. The capacity is the successful answers that came within that window,
/// per second of it — what the stack as set up sustains on this machine, whatever its CPU speed. The load
/// then runs at `percentOfCapacity` percent of it, rounded to 0.1 req/s.
///
/// Operations follow the load's mix (`OperationPicker`); operations that need a captured value use the ones
/// the probe's own answers captured, as in `LoadRunner`. Keyed writes carry `<keyPrefix>-cal-<n>`, apart from the load's `<keyPrefix>-<n>`,
/// so the write ledger can check them too. Pure apart from the transport and the clock it is given.
public struct CapacityProbe: Sendable {
    public var calibration: CapacityCalibration
    public var mix: [LoadOperation: Int]
    public var traffic: StackTraffic
    /// Per-request timeout in seconds (the load's `requestTimeout`).
    public var requestTimeout: Double
    /// Prefix of idempotency keys: the probe's are `<prefix>-cal-<sequence>`.
    public var keyPrefix: String
    public var clock: any LabClock
    public var transport: any LoadTransport
    /// Called with every record as it completes (for live progress); must be quick.
    public var onRecord: (@Sendable (RequestRecord) -> Void)?

    /// A probe of `calibration` with the mix and request timeout of `spec`.
    public init(calibration: CapacityCalibration, spec: LoadSpec, traffic: StackTraffic, keyPrefix: String, clock: any LabClock,
                transport: any LoadTransport, onRecord: (@Sendable (RequestRecord) -> Void)? = nil) {
        self.calibration = calibration
        mix = spec.mix
        self.traffic = traffic
        requestTimeout = spec.requestTimeout.seconds
        self.keyPrefix = keyPrefix
        self.clock = clock
        self.transport = transport
        self.onRecord = onRecord
    }

    /// What a probe measured and every request it sent.
    public struct Outcome: Sendable {
        public var measurement: CapacityMeasurement
        /// Every request, in the order they ended; `intended` is when it was sent (a closed loop has no schedule).
        public var records: LoggedRecords
    }

    /// Measures from now for `measureFor`, then waits for the requests still in flight.
    ///
    /// Throws `CancellationError` when cancelled (workers stop at once; requests in flight are cancelled
    /// with the task), `LOAD_CALIBRATION_FAILED` when fewer than half of the requests (or none) succeeded,
    /// `LOAD_RATE_TOO_LOW` when the share of the capacity is below 0.1 req/s, and `LOAD_SPILL_FAILED` when
    /// the file for its records cannot be created.
    public func run() async throws -> Outcome {
        let log = try RequestLog()
        let start = clock.now()
        let length = calibration.measureFor.seconds
        let end = start + length
        let state = ProbeState(mix: mix, traffic: traffic)
        await withTaskGroup(of: Void.self) { group in
            for _ in 0..<calibration.concurrency {
                group.addTask { await self.worker(until: end, state: state, log: log) }
            }
        }
        try Task.checkCancellation()

        let records = log.records
        var succeeded = 0
        var inWindow = 0
        var errorsByKind: [String: Int] = [:]
        for record in records {
            if record.succeeded {
                succeeded += 1
                if record.end <= end { inWindow += 1 }
            } else {
                errorsByKind[record.outcome.label, default: 0] += 1
            }
        }
        if succeeded == 0 || succeeded * 2 < records.count {
            throw Self.failure(requests: records.count, failed: records.count - succeeded, errorsByKind: errorsByKind,
                               seconds: length)
        }
        let capacity = Double(inWindow) / length
        let rate = try calibration.rate(forCapacity: capacity)
        let measurement = CapacityMeasurement(
            capacity: capacity, concurrency: calibration.concurrency, start: start, seconds: length,
            requests: records.count, succeeded: succeeded, succeededInWindow: inWindow, errorsByKind: errorsByKind,
            percentOfCapacity: calibration.percentOfCapacity, rate: rate)
        return Outcome(measurement: measurement, records: records)
    }

    /// One closed-loop worker: sends, waits for the answer, sends again, until the window ends.
    private func worker(until end: Double, state: ProbeState, log: RequestLog) async {
        while !Task.isCancelled && clock.now() < end {
            let request = state.nextRequest(keyPrefix: keyPrefix, timeout: requestTimeout)
            let sent = clock.now()
            let response = await transport.send(request)
            let record = RequestRecord(sequence: request.sequence, operation: request.operation, intended: sent, start: sent,
                                       end: clock.now(), outcome: response.outcome, servedBy: response.servedBy,
                                       version: response.version, idempotencyKey: request.idempotencyKey,
                                       session: state.captured.session(of: request, captured: response.captured))
            if response.outcome.isSuccess { state.captured.remember(response.captured, variables: request.variables) }
            log.append(record)
            onRecord?(record)
        }
    }

    /// `LOAD_CALIBRATION_FAILED`: too many of the probe's requests failed to measure anything.
    static func failure(requests: Int, failed: Int, errorsByKind: [String: Int], seconds: Double) -> LabrunError {
        let kinds = errorsByKind.sorted { $0.value != $1.value ? $0.value > $1.value : $0.key < $1.key }
            .map { "\($0.key): \($0.value)" }.joined(separator: ", ")
        let what = requests == 0
            ? "The capacity probe sent no request in \(formatSeconds(seconds))"
            : "\(failed) of the capacity probe's \(requests) request\(requests == 1 ? "" : "s") failed"
                + (kinds.isEmpty ? "" : " (\(kinds))")
        return LabrunError(
            id: ErrorID.loadCalibrationFailed, exitCode: ExitCode.external,
            message: what + ", so the stack's capacity could not be measured and the load was not started.",
            advice: "Check that the stack answers the load's requests before the load starts: give the scenario a "
                + "steadyState check of the API the load uses, and look at the API workload's logs and load.requestTimeout.")
    }
}

/// What the probe's workers share: the operation picker, the next sequence number, the captured values.
private final class ProbeState: @unchecked Sendable {
    private let lock = NSLock()
    private var picker: OperationPicker
    private var sequence = 0
    let captured: CapturedValues

    init(mix: [LoadOperation: Int], traffic: StackTraffic) {
        picker = OperationPicker(mix: mix)
        captured = CapturedValues(traffic: traffic)
    }

    /// The next request: the mix's next operation, with a key when it uses one and the captured values it needs.
    func nextRequest(keyPrefix: String, timeout: Double) -> LoadRequest {
        let (picked, index): (LoadOperation, Int) = lock.withLock {
            defer { sequence += 1 }
            return (picker.next(), sequence)
        }
        let (operation, variables) = captured.resolve(picked)
        let keyed = captured.usesIdempotencyKey(operation)
        return LoadRequest(sequence: index, operation: operation,
                           idempotencyKey: keyed ? "\(keyPrefix)-cal-\(index)" : nil,
                           variables: variables, timeout: timeout)
    }
}
