import Foundation
import Testing
import LabrunCore
@testable import Reports

@Suite struct ProgressViewTests {
    let snapshot = ProgressSnapshot(scenario: "chaos-pod-kill", phase: "during", elapsed: 65.2, requestsPerSecond: 29.8,
                                    errors: 12, requests: 1000, p99: 0.24, lastEvent: "fault landed: kill backend pod")
    let wall = Date(timeIntervalSince1970: 1_800_000_000)

    @Test func theLineHoldsEveryFigure() {
        let line = ProgressView(mode: .plain(interval: 5), colour: false).line(snapshot)
        #expect(line == "chaos-pod-kill  during  1m05s  29.8 req/s  errors 12 (1.2%)  p99 240ms  · fault landed: kill backend pod")
    }

    @Test func onATerminalOneLineIsRewrittenInPlace() throws {
        var view = ProgressView(mode: .terminal(columns: 200), colour: true)
        let firstFrame = view.frame(snapshot, now: 0, wallTime: wall)
        let first = try #require(firstFrame)
        #expect(first.hasPrefix("\r"))
        #expect(!first.contains("\n"))
        #expect(first.contains("\u{1B}[36mduring\u{1B}[0m") || first.contains("\u{1B}[36m  during\u{1B}[0m"))
        #expect(first.contains("\u{1B}[31m"))  // errors in red
        // A shorter line is padded over the longer one.
        var shorter = snapshot
        shorter.lastEvent = nil
        let secondFrame = view.frame(shorter, now: 0.5, wallTime: wall)
        let second = try #require(secondFrame)
        let visible = { (s: String) in Markup.stripANSI(s).count }
        #expect(visible(second) == visible(first))
        #expect(view.finish().hasPrefix("\r"))
    }

    @Test func theTerminalLineIsCutToTheWidth() throws {
        var view = ProgressView(mode: .terminal(columns: 40), colour: false)
        let frameFrame = view.frame(snapshot, now: 0, wallTime: wall)
        let frame = try #require(frameFrame)
        #expect(frame.count == 40)  // "\r" + 39 columns
        #expect(frame.hasSuffix("…"))
    }

    @Test func withoutColourThereAreNoEscapes() throws {
        var view = ProgressView(mode: .terminal(columns: 200), colour: false)
        let frameFrame = view.frame(snapshot, now: 0, wallTime: wall)
        let frame = try #require(frameFrame)
        #expect(!frame.contains("\u{1B}"))
        let console = Console(environment: ["NO_COLOR": "1", "TERM": "xterm"])
        #expect(ProgressView(console: console).colour == false)
        var event = snapshot
        event.lastEvent = "pod log: \u{1B}[31mred\u{1B}[0m\nsecond line"
        #expect(!ProgressView(mode: .plain(interval: 5), colour: false).line(event).contains("\u{1B}"))
        #expect(!ProgressView(mode: .plain(interval: 5), colour: false).line(event).contains("\n"))
    }

    @Test func withoutATerminalLinesAreTimestampedAndThrottled() {
        var view = ProgressView(mode: .plain(interval: 10), colour: false)
        let first = view.frame(snapshot, now: 100, wallTime: wall)
        #expect(first == "[08:00:00Z] chaos-pod-kill  during  1m05s  29.8 req/s  errors 12 (1.2%)  p99 240ms  · fault landed: kill backend pod\n")
        #expect(view.frame(snapshot, now: 105, wallTime: wall) == nil)
        #expect(view.frame(snapshot, now: 110, wallTime: wall.addingTimeInterval(10))?.hasPrefix("[08:00:10Z] ") == true)
        // A new phase is shown at once.
        var after = snapshot
        after.phase = "after"
        #expect(view.frame(after, now: 111, wallTime: wall) != nil)
        #expect(view.finish() == "")
    }

    @Test func beforeTheFirstAnswerTheFiguresSayUnknown() {
        let start = ProgressSnapshot(scenario: "s", phase: "setup", elapsed: 0.4)
        #expect(ProgressView(mode: .plain(interval: 1), colour: false).line(start) == "s  setup  400ms  0 req/s  errors 0  p99 –")
    }
}
