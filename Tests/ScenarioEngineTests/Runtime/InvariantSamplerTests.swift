import Foundation
import LabrunCore
import Testing
@testable import ScenarioEngine
@testable import ScenarioModel

/// The sampling of invariants: one sampler's spacing, limit and last sample; the windows a run opens
/// and closes; no sampler outliving its window or the run. Time is a manual clock.
@Suite struct InvariantSamplerTests {
    static func invariant(_ name: String, throughout window: String, allowUnavailable: Bool = false) -> Assertion {
        Assertion(name: name, .http(HTTPAssertion(check: HTTPCheck(request: HTTPRequestSpec(path: "/api/tasks")),
                                                  invariant: Invariant(throughout: window, allowUnavailable: allowUnavailable))))
    }

    static let matched = CheckAttempt(result: .passed("n", kind: "http", "GET /api/tasks → 200"))
    static let wrong = CheckAttempt(result: .failed("n", kind: "http", "GET /api/tasks: status 503, expected 2xx"))
    static let refused = CheckAttempt.unanswered("n", kind: "http", "connection refused")

    /// Answers in turn, each after `took` seconds of the clock; with `closeDuring`, closes the window
    /// (cancels the sampler's task) while that sample is in flight.
    final class Script: @unchecked Sendable {
        let clock: YieldingClock
        private let lock = NSLock()
        private var answers: [(took: Double, attempt: CheckAttempt)]
        private(set) var starts: [Double] = []
        let closeDuring: Int?
        var sampler: Task<InvariantSamples, Never>? {
            get { lock.withLock { _sampler } }
            set { lock.withLock { _sampler = newValue } }
        }
        private var _sampler: Task<InvariantSamples, Never>?

        init(clock: YieldingClock, closeDuring: Int? = nil, _ answers: [(took: Double, attempt: CheckAttempt)]) {
            self.clock = clock
            self.closeDuring = closeDuring
            self.answers = answers
        }

        func attempt() async -> CheckAttempt {
            let (answer, number) = lock.withLock { () -> ((took: Double, attempt: CheckAttempt), Int) in
                starts.append(clock.now())
                return (answers.count > 1 ? answers.removeFirst() : answers[0], starts.count)
            }
            clock.manual.advance(by: answer.took)
            if number == closeDuring {
                while sampler == nil { await Task.yield() }
                sampler?.cancel()
            }
            return answer.attempt
        }
    }

    @Test func samplesComeEveryIntervalNeverOverlapAndTheOneInFlightWhenTheWindowClosesCounts() async {
        let clock = YieldingClock()
        let script = Script(clock: clock, closeDuring: 4, [
            (0.1, Self.matched),   // quick: the next starts 1 s after this one did
            (1.5, Self.wrong),     // longer than the interval: the next starts when it ends
            (0.2, Self.refused),
            (0.1, Self.wrong),     // the window closes while it is in flight: still counted, no fifth
        ])
        let sampler = InvariantSampler(assertion: Self.invariant("n", throughout: "roll"), invariant: Invariant(throughout: "roll"),
                                       clock: clock, limit: YieldingClock.never, attempt: { _ in await script.attempt() })
        let task = Task { await sampler.run(start: 0) }
        script.sampler = task
        let samples = await task.value
        #expect(script.starts.map { ($0 * 1000).rounded() / 1000 } == [0, 1, 2.5, 3.5])
        #expect(samples.taken == 4 && samples.mismatched == 2 && samples.unanswered == 1)
        #expect(samples.firstMismatches.map(\.at).map { ($0 * 1000).rounded() / 1000 } == [1, 3.5])
        #expect(samples.firstUnanswered.first?.message == "connection refused")
    }

    @Test func aSampleThatTakesLongerThanTheLimitGotNoAnswer() async {
        let clock = YieldingClock()
        let sampler = InvariantSampler(assertion: Self.invariant("rows", throughout: "roll"), invariant: Invariant(throughout: "roll"),
                                       clock: clock, limit: 5, attempt: { _ in
                                           try? await Task.sleep(nanoseconds: 10_000_000_000_000)
                                           return Self.matched
                                       })
        let attempt = await sampler.take()
        #expect(!attempt.answered)
        #expect(attempt.result.verdict == .failed && attempt.result.name == "rows")
        #expect(attempt.result.message == "no answer within 5.0s")
    }

    /// Counts the attempts per assertion name.
    final class Attempts: @unchecked Sendable {
        private let lock = NSLock()
        private var counts: [String: Int] = [:]
        var answer = InvariantSamplerTests.matched
        func attempt(_ assertion: Assertion) -> CheckAttempt {
            lock.withLock { counts[assertion.name, default: 0] += 1 }
            var attempt = answer
            attempt.result.name = assertion.name
            return attempt
        }
        func count(_ name: String) -> Int { lock.withLock { counts[name, default: 0] } }
    }

    @Test func aWindowSamplesOnlyItsOwnInvariantsAndNothingSamplesOnceItIsClosed() async {
        let clock = YieldingClock()
        let timeline = Timeline(clock: clock)
        let attempts = Attempts()
        let kill = Self.invariant("during kill", throughout: "kill")
        let plain = Assertion(name: "at the end", .http(HTTPAssertion(check: HTTPCheck(request: HTTPRequestSpec(path: "/")))))
        let later = Self.invariant("after", throughout: "after")
        let samplers = InvariantSamplers([kill, plain, later, kill], clock: clock, timeline: timeline, limit: YieldingClock.never,
                                         attempt: { attempts.attempt($0) })
        samplers.open(.step("kill"), at: 5)
        #expect(samplers.anyRunning)
        while attempts.count("during kill") < 2 { await Task.yield() }
        await samplers.close(.step("kill"), at: 9)
        #expect(!samplers.anyRunning)
        let taken = attempts.count("during kill")
        for _ in 0..<5000 { await Task.yield() }
        #expect(attempts.count("during kill") == taken, "no sample after the window closed")
        #expect(attempts.count("at the end") == 0 && attempts.count("after") == 0)

        let samples = samplers.samples
        #expect(samples.count == 1, "equal assertions share one sampler; a window never opened has no samples")
        #expect(samples[kill]?.start == 5 && samples[kill]?.end == 9)
        #expect(samples[kill]?.taken == taken)
        #expect(samples[later] == nil)
    }

    @Test func closingEverythingStopsWhatARunLeftOpenAndMarksTheTimeline() async {
        let clock = YieldingClock()
        let timeline = Timeline(clock: clock)
        let attempts = Attempts()
        attempts.answer = Self.wrong
        let broken = Self.invariant("reads", throughout: "during")
        let quiet = Self.invariant("rows", throughout: "kill", allowUnavailable: true)
        let samplers = InvariantSamplers([broken, quiet], clock: clock, timeline: timeline, limit: YieldingClock.never,
                                         attempt: { assertion in
                                             assertion.name == "rows" ? CheckAttempt.unanswered("rows", kind: "sql", "database down")
                                                 : attempts.attempt(assertion)
                                         })
        samplers.open(.phase(.during), at: 1)
        samplers.open(.step("kill"), at: 2)
        await samplers.closeAll(at: 7)
        #expect(!samplers.anyRunning)
        #expect(samplers.samples[broken]?.end == 7 && samplers.samples[quiet]?.end == 7)
        #expect(samplers.samples[broken]?.mismatched ?? 0 >= 1, "a window that opened has its first sample")
        let marks = timeline.all.map { "\($0.kind.rawValue) \($0.subject): \($0.detail)" }
        #expect(marks.contains("error reads: invariant broke: GET /api/tasks: status 503, expected 2xx"))
        #expect(marks.contains("note rows: invariant got no answer (allowed): database down"))
    }

    @Test func aStepNamedLikeAPhaseIsAnotherWindow() async {
        let clock = YieldingClock()
        let phase = Self.invariant("reads", throughout: "during")
        let samplers = InvariantSamplers([phase], clock: clock, timeline: Timeline(clock: clock), limit: YieldingClock.never,
                                         attempt: { _ in Self.matched })
        samplers.open(.phase(.during), at: 1)
        samplers.open(.step("during"), at: 2)
        await samplers.close(.step("during"), at: 3)
        #expect(samplers.anyRunning, "throughout: during is the phase, as for pods; a step of that name does not end it")
        await samplers.close(.phase(.during), at: 4)
        #expect(samplers.samples[phase]?.start == 1 && samplers.samples[phase]?.end == 4)
    }

    @Test func anErrorWithoutAnAnswerIsToldFromAWrongAnswer() {
        func error(_ id: String, sqlState: String? = nil) -> LabrunError {
            LabrunError(id: id, message: "m", debugDetail: sqlState.map { "SQLSTATE=\($0)\nSELECT 1" })
        }
        // No answer: nothing reached, nothing in time, the database going away or not yet up.
        for id in [ErrorID.httpConnect, ErrorID.httpTimeout, ErrorID.httpTransport, ErrorID.pgConnect, ErrorID.pgClosed, ErrorID.timeout] {
            #expect(ClusterDriver.gotNoAnswer(error(id)), "\(id)")
        }
        #expect(ClusterDriver.gotNoAnswer(error(ErrorID.pgQuery)), "the server closed the connection: no SQLSTATE")
        #expect(ClusterDriver.gotNoAnswer(error(ErrorID.pgQuery, sqlState: "57P01")), "terminating connection due to administrator command")
        #expect(ClusterDriver.gotNoAnswer(error(ErrorID.pgQuery, sqlState: "08006")))
        // An answer: the database said the query itself is wrong; or the stack was never reachable at all.
        #expect(!ClusterDriver.gotNoAnswer(error(ErrorID.pgQuery, sqlState: "42P01")), "undefined table is an answer")
        #expect(!ClusterDriver.gotNoAnswer(error(ErrorID.stackNoDatabase)))
        #expect(!ClusterDriver.gotNoAnswer(CancellationError()))
    }
}

/// Invariants in a run: the fake driver's checks sampled through their step or phase by the runner.
extension ScenarioRunnerTests {
    @Test func anInvariantIsSampledFromItsStepsStartToItsEndAndJudgedFromItsSamples() async throws {
        let driver = FakeScenarioDriver()
        let invariant = InvariantSamplerTests.invariant("reads", throughout: "kill")
        let scenario = Self.scenario(steps: [Self.step("warm", [Self.pause(3)]), Self.step("kill", [Self.deletePod, Self.pause(5)]),
                                             Self.step("grow", [Self.scale])],
                                     assertions: [invariant])
        let result = await runner(driver).run(scenario)
        #expect(result.verdict == .passed, "\(result.abortReason ?? "") \(result.assertions.map(\.message))")
        let kill = try #require(result.steps.first { $0.name == "kill" })
        let judged = try #require(result.assertions.first)
        #expect(judged.kind == "http" && judged.verdict == .passed)
        #expect(judged.message.hasPrefix("held in all \(driver.samples.count) samples (one every 1s) throughout step kill ("))
        #expect(judged.invariant?.start == kill.start && judged.invariant?.end == kill.end)
        #expect(!driver.samples.isEmpty)
        #expect(driver.samples.allSatisfy { $0.at >= kill.start && $0.at <= kill.end + 1 }, "\(driver.samples.map(\.at)) in \(kill.start)–\(kill.end)")
        #expect(!driver.log.contains("check reads"), "an invariant is not polled at the end")
    }

    @Test func aBrokenSampleFailsTheRunWithWhenAndWhatAndMarksTheTimeline() async throws {
        let driver = FakeScenarioDriver()
        driver.checkAnswers["reads"] = [.failed]
        let scenario = Self.scenario(steps: [Self.step("kill", [Self.deletePod, Self.pause(5)])],
                                     assertions: [InvariantSamplerTests.invariant("reads", throughout: "kill")])
        let result = await runner(driver).run(scenario)
        #expect(result.verdict == .failed)
        let judged = try #require(result.assertions.first)
        let kill = try #require(result.steps.first)
        #expect(judged.verdict == .failed)
        #expect(judged.message.hasPrefix("broke in \(driver.samples.count) of \(driver.samples.count) samples throughout step kill ("))
        #expect(judged.message.contains(" into the step): not yet"))
        let first = try #require(judged.measured["firstBrokeAt"])
        #expect(first >= kill.start && first <= kill.end, "the first sample is taken as the step starts")
        #expect(result.timeline.contains { $0.kind == .error && $0.subject == "reads" && $0.detail == "invariant broke: not yet" })
    }

    @Test func aPhaseInvariantSamplesFromTheFirstStepToTheEndOfRecovery() async throws {
        let driver = FakeScenarioDriver()
        var scenario = Self.scenario(steps: [Self.step("kill", [Self.deletePod, Self.pause(5)])],
                                     assertions: [InvariantSamplerTests.invariant("reads", throughout: "during")])
        scenario.load = LoadSpec(rate: .fixed(10), before: .seconds(5), after: .seconds(5), mix: [.list: 1])
        let result = await runner(driver).run(scenario)
        let during = try #require(result.phases.first { $0.phase == .during })
        let judged = try #require(result.assertions.last)
        #expect(judged.verdict == .passed, "\(judged.message)")
        #expect(judged.message.contains("throughout the during phase ("))
        #expect(judged.invariant?.start == during.start && judged.invariant?.end == during.end)
    }

    @Test func aRunInterruptedMidStepLeavesNoSamplerBehind() async {
        let driver = FakeScenarioDriver()
        driver.behaviours["deletePod"] = .hang
        let scenario = Self.scenario(steps: [Self.step("stuck", [Self.deletePod], timeout: .seconds(3600))],
                                     assertions: [InvariantSamplerTests.invariant("reads", throughout: "stuck")], timeout: .seconds(7200))
        let runner = runner(driver)
        let task = Task { await runner.run(scenario) }
        for await _ in driver.hangStarted.stream { break }
        task.cancel()
        let result = await task.value
        #expect(result.verdict == .error)
        #expect(result.assertions.allSatisfy { $0.verdict == .skipped })
        let taken = driver.samples.count
        #expect(taken >= 1)
        for _ in 0..<5000 { await Task.yield() }
        #expect(driver.samples.count == taken, "a sampler outlived the run")
    }
}
