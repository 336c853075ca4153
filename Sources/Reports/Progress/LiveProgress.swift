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

    private let lock = NSLock()
    private var view: ProgressView
    private let clock: any LabClock
    private let write: @Sendable (String) -> Void
    private var scenario = ""
    private var phase = "setup"
    private var startedAt: Double
    private var recent: [(at: Double, latency: Double)] = []
    private var requests = 0
    private var errors = 0
    private var lastEvent: String?

    public init(view: ProgressView, clock: any LabClock = SystemClock(),
                write: @escaping @Sendable (String) -> Void = { FileHandle.standardError.write(Data($0.utf8)) }) {
        self.view = view
        self.clock = clock
        self.write = write
        self.startedAt = clock.now()
    }

    /// A timeline event of `scenario`: a new scenario resets the figures; a phase event changes the phase.
    public func event(_ scenario: String, _ event: TimelineEvent) {
        update(scenario) {
            if event.kind == .phase { phase = event.subject }
            let text = event.detail.isEmpty ? event.subject : "\(event.subject): \(event.detail)"
            lastEvent = "\(event.kind.rawValue) \(text)"
        }
    }

    /// A finished load request of `scenario`.
    public func request(_ scenario: String, _ record: RequestRecord) {
        update(scenario) {
            requests += 1
            if !record.succeeded { errors += 1 }
            recent.append((clock.now(), record.latency))
        }
    }

    /// Ends the view (clears the status line on a terminal).
    public func finish() {
        let text = lock.withLock { view.finish() }
        if !text.isEmpty { write(text) }
    }

    private func update(_ name: String, _ change: () -> Void) {
        let text: String? = lock.withLock {
            let now = clock.now()
            if name != scenario {
                scenario = name
                phase = "setup"
                startedAt = now
                recent.removeAll()
                requests = 0
                errors = 0
                lastEvent = nil
            }
            change()
            recent.removeAll { now - $0.at > Self.window }
            let latencies = recent.map(\.latency).sorted()
            let p99 = latencies.isEmpty ? nil : latencies[min(latencies.count - 1, Int(Double(latencies.count) * 0.99))]
            let snapshot = ProgressSnapshot(scenario: scenario, phase: phase, elapsed: now - startedAt,
                                            requestsPerSecond: Double(recent.count) / Self.window,
                                            errors: errors, requests: requests, p99: p99, lastEvent: lastEvent)
            return view.frame(snapshot, now: now, wallTime: clock.wallTime())
        }
        if let text { write(text) }
    }
}
