import Foundation
import LabrunCore
import Reports
import ScenarioModel
import Testing

@Suite struct LiveProgressTests {
    final class Sink: @unchecked Sendable {
        private let lock = NSLock()
        private var texts: [String] = []
        var all: [String] { lock.withLock { texts } }
        func append(_ text: String) { lock.withLock { texts.append(text) } }
    }

    func record(_ sequence: Int, at time: Double, latency: Double, ok: Bool) -> RequestRecord {
        RequestRecord(sequence: sequence, operation: "list", intended: time, start: time, end: time + latency,
                      outcome: ok ? .status(200) : .status(503))
    }

    @Test func countsRequestsErrorsAndFollowsPhases() {
        let clock = ManualClock()
        let sink = Sink()
        let progress = LiveProgress(view: ProgressView(mode: .plain(interval: 0), colour: false), clock: clock,
                                    write: { sink.append($0) })
        progress.event("chaos-pod-kill", TimelineEvent(at: 0, kind: .phase, subject: "before"))
        for i in 0..<10 {
            clock.advance(by: 0.1)
            progress.request("chaos-pod-kill", record(i, at: clock.now(), latency: 0.01, ok: i != 3))
        }
        progress.event("chaos-pod-kill", TimelineEvent(at: 1, kind: .phase, subject: "during"))
        let last = sink.all.last ?? ""
        #expect(last.contains("chaos-pod-kill"))
        #expect(last.contains("during"))
        #expect(last.contains("errors 1 ("))
        #expect(!last.contains("\u{1B}["))
    }

    @Test func aNewScenarioStartsFromZero() {
        let clock = ManualClock()
        let sink = Sink()
        let progress = LiveProgress(view: ProgressView(mode: .plain(interval: 0), colour: false), clock: clock,
                                    write: { sink.append($0) })
        progress.request("a", record(0, at: 0, latency: 0.5, ok: false))
        progress.event("b", TimelineEvent(at: 0, kind: .phase, subject: "before"))
        let last = sink.all.last ?? ""
        #expect(last.contains("b"))
        #expect(last.contains("errors 0"))
    }
}
