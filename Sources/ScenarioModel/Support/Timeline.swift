import Foundation
import LabrunCore

/// Collects a run's timeline events from every task (steps, actions, probes), in order of time.
public final class Timeline: @unchecked Sendable {
    private let lock = NSLock()
    private var events: [TimelineEvent] = []
    private let clock: any LabClock
    /// Called with every event as it is recorded (live progress); must be quick.
    private let observer: (@Sendable (TimelineEvent) -> Void)?

    public init(clock: any LabClock, observer: (@Sendable (TimelineEvent) -> Void)? = nil) {
        self.clock = clock
        self.observer = observer
    }

    /// Records an event now (or at `at`, run clock).
    public func record(_ kind: TimelineEventKind, _ subject: String, _ detail: String = "", at: Double? = nil) {
        let event = TimelineEvent(at: at ?? clock.now(), kind: kind, subject: subject, detail: Redactor.shared.redact(detail))
        lock.withLock { events.append(event) }
        observer?(event)
    }

    /// Every event so far, sorted by time (stable for equal times).
    public var all: [TimelineEvent] {
        lock.withLock { events }.enumerated().sorted { ($0.element.at, $0.offset) < ($1.element.at, $1.offset) }.map(\.element)
    }
}
