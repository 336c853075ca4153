import Foundation
import LabrunCore
import ScenarioModel

/// Turns the engine's live callbacks (timeline events, finished load requests) into progress
/// frames: phase, elapsed time, requests/s and p99 over the last few seconds, errors, last event.
///
/// Thread-safe: the engine calls it from its load tasks. Writes each frame `ProgressView` returns
/// (to standard error by default); `finish()` clears a terminal status line.
public final class LiveProgress: @unchecked Sendable {
    /// Seconds of recent requests behind the requests/s and p99 figures.
    public static let window = 5.0

    /// One running scenario's figures.
    private struct Running {
        var phase = "setup"
        var startedAt: Double
        var recent: [(at: Double, latency: Double)] = []
        var requests = 0
        var errors = 0
        var lastEvent: String?
    }

    private let lock = NSLock()
    private var view: ProgressView
    private let clock: any LabClock
    private let write: @Sendable (String) -> Void
    /// Running scenarios, in the order they started (several with `--parallel`).
    private var order: [String] = []
    private var running: [String: Running] = [:]

    public init(view: ProgressView, clock: any LabClock = SystemClock(),
                write: @escaping @Sendable (String) -> Void = { FileHandle.standardError.write(Data($0.utf8)) }) {
        self.view = view
        self.clock = clock
        self.write = write
    }

    /// A timeline event of `scenario`: a scenario not seen yet starts from zero; a phase event changes its phase.
    public func event(_ scenario: String, _ event: TimelineEvent) {
        update(scenario) { state in
            if event.kind == .phase { state.phase = event.subject }
            let text = event.detail.isEmpty ? event.subject : "\(event.subject): \(event.detail)"
            state.lastEvent = "\(event.kind.rawValue) \(text)"
        }
    }

    /// A finished load request of `scenario`.
    public func request(_ scenario: String, _ record: RequestRecord) {
        update(scenario) { state in
            state.requests += 1
            if !record.succeeded { state.errors += 1 }
            state.recent.append((clock.now(), record.latency))
        }
    }

    /// `scenario` is over: it leaves the view (the others go on).
    public func finish(_ scenario: String) {
        lock.withLock {
            running[scenario] = nil
            order.removeAll { $0 == scenario }
        }
    }

    /// Ends the view (clears the status line on a terminal).
    public func finish() {
        let text = lock.withLock { () -> String in
            running.removeAll()
            order.removeAll()
            return view.finish()
        }
        if !text.isEmpty { write(text) }
    }

    private func update(_ name: String, _ change: (inout Running) -> Void) {
        let text: String? = lock.withLock {
            let now = clock.now()
            if running[name] == nil {
                running[name] = Running(startedAt: now)
                order.append(name)
            }
            if var state = running[name] {
                change(&state)
                state.recent.removeAll { now - $0.at > Self.window }
                running[name] = state
            }
            let snapshots = order.compactMap { scenario in running[scenario].map { Self.snapshot(scenario, $0, now: now) } }
            return view.frame(snapshots, changed: name, now: now, wallTime: clock.wallTime())
        }
        if let text { write(text) }
    }

    private static func snapshot(_ scenario: String, _ state: Running, now: Double) -> ProgressSnapshot {
        let latencies = state.recent.map(\.latency).sorted()
        let p99 = latencies.isEmpty ? nil : latencies[min(latencies.count - 1, Int(Double(latencies.count) * 0.99))]
        return ProgressSnapshot(scenario: scenario, phase: state.phase, elapsed: now - state.startedAt,
                                requestsPerSecond: Double(state.recent.count) / window, errors: state.errors,
                                requests: state.requests, p99: p99, lastEvent: state.lastEvent)
    }
}
