import Foundation
import ScenarioEngine

/// Lets the end-to-end tests share the cluster the way `labrun all --parallel N` does: at most
/// `width` scenarios at once, each in its own namespace, and a test that disturbs the whole cluster
/// (an exclusive scenario, `labrun up`/`down`, an interrupted run and its sweep) alone.
///
/// Swift Testing starts the tests of these suites side by side; each waits here for its turn. As in
/// `labrun all` (`SuitePlan`), the exclusive ones go first: one that waits goes in as soon as nothing
/// runs, and no shared test starts while one waits (so none is starved). Then the first waiting
/// test that fits, the passing runs before the broken stacks' runs. Turns are given only from `settle`
/// seconds after the first test arrived, so the exclusive ones that arrive with it are there to go
/// first: in arrival order, the CI of 7 December met its exclusive tests in the middle of the run, and
/// each waited for the running tests to end while their slots idled (the end-to-end tests took 3,008 s;
/// 2,470 s the day before, when a cluster restart happened to come first).
///
/// A broken stack's run is judged on failing for its cause, never on its latency, so once no passing
/// run waits or runs, the broken ones go `brokenWidth` at a time: more load can only add failures to
/// a run that must fail, while a passing run never has more than `width - 1` neighbours. They are
/// half of the suite's runs (21 of 41 in the CI of 7 December). The widths are `LABRUN_E2E_PARALLEL`, else
/// `ScenarioSuite.defaultParallel` (what `labrun all` uses on this machine), and
/// `LABRUN_E2E_BROKEN_PARALLEL`, else two more; with `swift test --no-parallel` the tests arrive one
/// at a time anyway.
actor EndToEndGate {
    static let shared: EndToEndGate = {
        let environment = ProcessInfo.processInfo.environment
        let width = environment["LABRUN_E2E_PARALLEL"].flatMap { Int($0) }.map { max(1, $0) } ?? ScenarioSuite.defaultParallel
        return EndToEndGate(width: width, brokenWidth: environment["LABRUN_E2E_BROKEN_PARALLEL"].flatMap { Int($0) } ?? width + 2,
                            settle: 3)
    }()

    let width: Int
    /// Slots the broken stacks' runs may fill when no passing run waits or runs.
    let brokenWidth: Int
    /// Seconds from the first arrival to the first turn.
    let settle: Double
    /// Slots taken by the tests running now.
    private var used = 0
    /// Whether turns are being given (`settle` has passed since the first arrival), and whether the
    /// wait for it has begun.
    private var open = false
    private var opening = false
    /// Passing runs taking slots now (a broken run beside one keeps to `width`).
    private var passingInside = 0
    private var queue: [(slots: Int, exclusive: Bool, broken: Bool, turn: CheckedContinuation<Void, Never>)] = []

    init(width: Int, brokenWidth: Int? = nil, settle: Double = 0) {
        self.width = width
        self.brokenWidth = max(width, brokenWidth ?? width)
        self.settle = settle
    }

    /// Runs `body` when its turn comes in the shared gate.
    static func run<T: Sendable>(exclusive: Bool, slots: Int = 1, broken: Bool = false, _ body: () async throws -> T) async throws -> T {
        try await shared.run(exclusive: exclusive, slots: slots, broken: broken, body)
    }

    /// Runs `body` when its turn comes: alone when `exclusive`, else taking `slots` of the `width`
    /// (a scenario's `metadata.slots`; at most the width) beside others. `broken`: a broken stack's
    /// run, which must fail; it goes after the passing ones, up to `brokenWidth` at once once they are done.
    nonisolated func run<T: Sendable>(exclusive: Bool, slots: Int = 1, broken: Bool = false, _ body: () async throws -> T) async throws -> T {
        let taken = exclusive ? width : min(max(1, slots), width)
        let passing = !exclusive && !broken
        await enter(slots: taken, exclusive: exclusive, broken: broken)
        do {
            let value = try await body()
            await leave(slots: taken, passing: passing)
            return value
        } catch {
            await leave(slots: taken, passing: passing)
            throw error
        }
    }

    private func enter(slots: Int, exclusive: Bool, broken: Bool) async {
        await withCheckedContinuation { turn in
            queue.append((slots, exclusive, broken, turn))
            if !opening {
                opening = true
                Task {
                    try? await Task.sleep(for: .seconds(settle))
                    await openUp()
                }
            }
            admit()
        }
    }

    private func openUp() {
        open = true
        admit()
    }

    private func leave(slots: Int, passing: Bool) {
        used -= slots
        if passing { passingInside -= 1 }
        admit()
    }

    /// Gives turns while one is due: an exclusive test first, once nothing runs (none is started while
    /// one waits); else the first waiting passing run that fits the width; else the first broken run
    /// that fits the width, or `brokenWidth` when no passing run waits or runs.
    private func admit() {
        while open {
            let index: Int?
            if let exclusive = queue.firstIndex(where: \.exclusive) {
                index = used == 0 ? exclusive : nil
            } else if let passing = queue.firstIndex(where: { !$0.broken && used + $0.slots <= width }) {
                index = passing
            } else {
                let passingAround = passingInside > 0 || queue.contains { !$0.broken }
                let limit = passingAround ? width : brokenWidth
                index = queue.firstIndex { $0.broken && used + $0.slots <= limit }
            }
            guard let index else { return }
            let next = queue.remove(at: index)
            used += next.slots
            if !next.exclusive && !next.broken { passingInside += 1 }
            next.turn.resume()
        }
    }
}
