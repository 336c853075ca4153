import Foundation
import LabrunCore
import Testing
@testable import ScenarioEngine
@testable import ScenarioModel

/// `labrun all --parallel N`: exclusive scenarios alone and first, the others N at a time.
@Suite struct SuitePlanTests {
    /// Tracks how many bodies run at once and in which order they started.
    final class Tracker: @unchecked Sendable {
        private let lock = NSLock()
        private var running = 0
        private(set) var peak = 0
        private(set) var started: [String] = []
        private(set) var overlapsWithExclusive = false
        private(set) var overlapsWithItself = false
        private(set) var slotsPeak = 0
        private var slotsUsed = 0
        private(set) var heavyTogether = false
        private var heavyRunning = 0
        private var names: [String] = []
        func enter(_ scenario: Scenario) {
            lock.withLock {
                slotsUsed += scenario.metadata.slots
                slotsPeak = max(slotsPeak, slotsUsed)
                if scenario.metadata.slots > 1 { heavyRunning += 1; if heavyRunning > 1 { heavyTogether = true } }
            }
            enter(scenario.name, exclusive: scenario.isExclusive)
        }
        func leave(_ scenario: Scenario) {
            lock.withLock {
                slotsUsed -= scenario.metadata.slots
                if scenario.metadata.slots > 1 { heavyRunning -= 1 }
            }
            leave(scenario.name)
        }
        func enter(_ name: String, exclusive: Bool) {
            lock.withLock {
                if exclusive && running > 0 { overlapsWithExclusive = true }
                if names.contains(name) { overlapsWithItself = true }
                names.append(name)
                running += 1
                peak = max(peak, running)
                started.append(name)
            }
        }
        func leave(_ name: String) {
            lock.withLock {
                running -= 1
                if let index = names.firstIndex(of: name) { names.remove(at: index) }
            }
        }
    }

    static func scenario(_ name: String, exclusive: Bool = false, stopsCluster: Bool = false, slots: Int = 1) -> Scenario {
        let action: Action = stopsCluster ? .restartCluster(RestartClusterAction()) : .wait(.duration(.seconds(1)))
        return Scenario(metadata: ScenarioMetadata(name: name, exclusive: exclusive, slots: slots),
                        steps: [Step(name: "s", tryOperations: [StepOperation(action)])])
    }

    /// Runs the plan with bodies that take a moment; `failing` names runs that fail (`s2`, or `s2 #2` for one run of a repeat).
    func run(_ plan: SuitePlan, failFast: Bool = false, failing: Set<String> = [], tracker: Tracker) async -> [ScenarioResult] {
        await plan.run(failFast: failFast) { scenario, attempt in
            tracker.enter(scenario)
            try? await Task.sleep(nanoseconds: 20_000_000)
            tracker.leave(scenario)
            let runName = attempt.map { "\(scenario.name) #\($0)" } ?? scenario.name
            return ScenarioResult(scenario: scenario.name, startedAt: Date(),
                                  verdict: failing.contains(scenario.name) || failing.contains(runName) ? .failed : .passed,
                                  attempt: attempt)
        }
    }

    /// Scenarios taking two slots of three never run side by side; single-slot ones fill the rest.
    @Test func twoSlotScenariosNeverRunSideBySide() async {
        let scenarios = (1...6).map { Self.scenario("s\($0)", slots: $0 % 2 == 0 ? 2 : 1) }
        let tracker = Tracker()
        let results = await run(SuitePlan(scenarios, parallel: 3), tracker: tracker)
        #expect(results.count == 6 && results.allSatisfy { $0.verdict == .passed })
        #expect(!tracker.heavyTogether, "two 2-slot scenarios ran side by side")
        #expect(tracker.slotsPeak <= 3)
        // A 2-slot scenario on a 1-wide suite still runs.
        let narrow = await run(SuitePlan([Self.scenario("heavy", slots: 2)], parallel: 1), tracker: Tracker())
        #expect(narrow.map(\.verdict) == [.passed])
    }

    /// A scenario taking two slots goes first while none runs, and slots coming free are kept for it:
    /// given first-that-fits, single-slot ones took every freed slot and the two-slot ones ran last, one
    /// after another beside an idle slot.
    @Test func aTwoSlotScenarioDoesNotWaitForEverySingleOne() async {
        let scenarios = (1...6).map { Self.scenario("s\($0)") } + [Self.scenario("w1", slots: 2), Self.scenario("w2", slots: 2)]
        let tracker = Tracker()
        let results = await run(SuitePlan(scenarios, parallel: 3), tracker: tracker)
        #expect(results.count == 8 && results.allSatisfy { $0.verdict == .passed })
        #expect(tracker.started.first == "w1", "the two-slot scenario did not go first: \(tracker.started)")
        #expect(tracker.started.last?.hasPrefix("s") == true, "the two-slot scenarios ran last: \(tracker.started)")
        #expect(!tracker.heavyTogether && tracker.slotsPeak <= 3)
    }

    @Test func slotChoiceGivesSeveralSlotRunsTheirTurn() {
        let waiting = [1, 1, 2, 1]
        // None wide running: the wide one, if it fits; else nothing, the slots kept for it.
        #expect(SlotChoice.next(waiting, width: 3, used: 1, wideRunning: false, slots: { $0 }) == 2)
        #expect(SlotChoice.next(waiting, width: 3, used: 2, wideRunning: false, slots: { $0 }) == nil)
        // One running: the first that fits, in order.
        #expect(SlotChoice.next(waiting, width: 3, used: 2, wideRunning: true, slots: { $0 }) == 0)
        #expect(SlotChoice.next(waiting, width: 3, used: 3, wideRunning: true, slots: { $0 }) == nil)
        // A run that may not start now (its twin runs) is passed over, wide or not.
        #expect(SlotChoice.next(waiting, width: 3, used: 0, wideRunning: false, slots: { $0 },
                                startable: { $0 == 1 }) == 0)
        #expect(SlotChoice.next([Int](), width: 3, used: 0, wideRunning: false, slots: { $0 }) == nil)
    }

    @Test func exclusiveScenariosRunAloneAndFirstTheOthersNAtATime() async {
        let scenarios = [Self.scenario("a"), Self.scenario("restart", stopsCluster: true), Self.scenario("b"),
                         Self.scenario("marked", exclusive: true), Self.scenario("c"), Self.scenario("d")]
        let plan = SuitePlan(scenarios, parallel: 2)
        #expect(plan.alone.map(\.name) == ["restart", "marked"])
        #expect(plan.width == 2)
        let tracker = Tracker()
        let results = await run(plan, tracker: tracker)
        #expect(results.map(\.scenario) == ["a", "restart", "b", "marked", "c", "d"], "results in the order given")
        #expect(Array(tracker.started.prefix(2)) == ["restart", "marked"])
        #expect(tracker.peak == 2)
        #expect(!tracker.overlapsWithExclusive)
    }

    /// With what each took last time, the longest start first (a long one started last runs on alone
    /// while the other slots idle); one never run before starts ahead of them; results keep the order given.
    @Test func theLongestStartFirstAndTheNeverRunAheadOfThem() async {
        let scenarios = ["short", "long", "new", "middle", "tie"].map { Self.scenario($0) }
        let plan = SuitePlan(scenarios, parallel: 1, expectedSeconds: ["short": 60, "long": 300, "middle": 120, "tie": 120])
        #expect(plan.shared.map(\.name) == ["new", "long", "middle", "tie", "short"])
        let tracker = Tracker()
        let results = await run(plan, tracker: tracker)
        #expect(tracker.started == ["new", "long", "middle", "tie", "short"])
        #expect(results.map(\.scenario) == ["short", "long", "new", "middle", "tie"])
    }

    @Test func oneAtATimeIsTheSequentialRun() async {
        let tracker = Tracker()
        let results = await run(SuitePlan((1...4).map { Self.scenario("s\($0)") }, parallel: 1), tracker: tracker)
        #expect(results.count == 4 && tracker.peak == 1)
        #expect(tracker.started == ["s1", "s2", "s3", "s4"])
    }

    @Test func failFastStartsNothingAfterAFailure() async {
        let tracker = Tracker()
        let results = await run(SuitePlan((1...5).map { Self.scenario("s\($0)") }, parallel: 1), failFast: true,
                                failing: ["s2"], tracker: tracker)
        #expect(results.map(\.scenario) == ["s1", "s2"])
    }

    @Test func theWidthNeverExceedsTheScenarios() {
        #expect(SuitePlan([Self.scenario("a")], parallel: 8).width == 1)
        #expect(SuitePlan([], parallel: 0).width == 1)
    }

    @Test func repeatsRunEachScenarioNTimesNeverBesideItself() async {
        let scenarios = [Self.scenario("a"), Self.scenario("restart", stopsCluster: true), Self.scenario("b")]
        let plan = SuitePlan(scenarios, parallel: 2, repeats: 3)
        let tracker = Tracker()
        let results = await run(plan, tracker: tracker)
        #expect(results.map(\.runName) == ["a #1", "a #2", "a #3", "restart #1", "restart #2", "restart #3", "b #1", "b #2", "b #3"])
        #expect(Array(tracker.started.prefix(3)) == ["restart", "restart", "restart"], "the exclusive one's runs first, alone")
        #expect(!tracker.overlapsWithExclusive)
        #expect(!tracker.overlapsWithItself, "two runs of one scenario never overlap")
        #expect(tracker.peak == 2, "a and b share the two slots")
    }

    @Test func aSingleRunHasNoAttemptNumber() async {
        let results = await run(SuitePlan([Self.scenario("a")], parallel: 1, repeats: 1), tracker: Tracker())
        #expect(results.map(\.runName) == ["a"])
        #expect(results.first?.attempt == nil)
    }

    @Test func failFastStopsTheRepeatsToo() async {
        let results = await run(SuitePlan([Self.scenario("a")], parallel: 1, repeats: 5), failFast: true,
                                failing: ["a #2"], tracker: Tracker())
        #expect(results.map(\.runName) == ["a #1", "a #2"])
    }

    /// A clock that stands still and records the sleeps asked of it; a sleep lasts until the task is
    /// cancelled when `blocks`, else returns at once.
    final class StillClock: LabClock, @unchecked Sendable {
        private let lock = NSLock()
        private var asked: [Double] = []
        let blocks: Bool
        init(blocks: Bool = false) { self.blocks = blocks }
        var sleeps: [Double] { lock.withLock { asked } }
        func now() -> Double { 0 }
        func wallTime() -> Date { Date(timeIntervalSince1970: 0) }
        func sleep(seconds: Double) async throws {
            lock.withLock { asked.append(seconds) }
            if blocks { while true { try Task.checkCancellation(); await Task.yield() } }
        }
    }

    /// Side-by-side runs start `spacing` apart, so that they neither deploy at once nor reach their
    /// faults in step: the second waits one interval, the third two; the exclusive ones, alone
    /// anyway, are not held back.
    @Test func sharedRunsStartSpacedApart() async {
        let clock = StillClock()
        let plan = SuitePlan([Self.scenario("x", exclusive: true)] + (1...3).map { Self.scenario("s\($0)") }, parallel: 3,
                             spacing: StartSpacing(interval: 15, clock: clock))
        let results = await run(plan, tracker: Tracker())
        #expect(results.count == 4)
        #expect(clock.sleeps.sorted() == [15, 30])
    }

    /// A run cancelled while it waits for its start is not started, as after Ctrl-C.
    @Test func aRunCancelledWhileWaitingForItsStartIsNotStarted() async {
        let tracker = Tracker()
        let clock = StillClock(blocks: true)
        let plan = SuitePlan((1...3).map { Self.scenario("s\($0)") }, parallel: 3, spacing: StartSpacing(interval: 30, clock: clock))
        let suite = Task { await run(plan, tracker: tracker) }
        while clock.sleeps.count < 2 || tracker.started.isEmpty { await Task.yield() }   // s1 started, the others wait
        suite.cancel()
        let results = await suite.value
        #expect(results.count == 1)
        #expect(tracker.started.count == 1)
    }

    @Test func startSpacingKeepsTurnsApartOnTheClockGiven() async throws {
        let clock = ManualClock()
        let spacing = StartSpacing(interval: 15, clock: clock)
        var turns: [Double] = []
        for _ in 0..<3 { try await spacing.turn(); turns.append(clock.now()) }
        clock.advance(by: 100)
        try await spacing.turn()
        turns.append(clock.now())
        #expect(turns == [0, 15, 30, 130], "the fourth, long after the third, goes at once")
    }
}
