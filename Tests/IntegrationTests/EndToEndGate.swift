import Foundation
import ScenarioEngine

/// Lets the end-to-end tests share the cluster the way `labrun all --parallel N` does: at most
/// `width` scenarios at once, each in its own namespace, and a test that disturbs the whole cluster
/// (an exclusive scenario, `labrun up`/`down`, an interrupted run and its sweep) alone.
///
/// Swift Testing starts the tests of these suites side by side; each waits here for its turn. As in
/// `labrun all` (`SuitePlan`), the exclusive ones go first: one that waits goes in as soon as nothing
/// runs, and no shared test starts while one waits (so none is starved). Then the first waiting
/// test that fits, in arrival order, one taking several slots first (`SlotChoice`, as in `labrun all`). Turns are given only from `settle` seconds after the first test
/// arrived, so the exclusive ones that arrive with it are there to go first: in arrival order,
/// the CI of 7 December met its exclusive tests in the middle of the run, and each waited for the
/// running tests to end while their slots idled (the end-to-end tests took 3,008 s; 2,470 s the day
/// before, when a cluster restart happened to come first).
/// Their starts are kept `StartSpacing.betweenRuns` apart, as in `labrun all` (`StartSpacing`). The width is `LABRUN_E2E_PARALLEL`, else
/// `ScenarioSuite.defaultParallel` (what `labrun all` uses on this machine); with `swift test
/// --no-parallel` the tests arrive one at a time anyway.
actor EndToEndGate {
    static let shared = EndToEndGate(width: ProcessInfo.processInfo.environment["LABRUN_E2E_PARALLEL"].flatMap { Int($0) }
                                            .map { max(1, $0) } ?? ScenarioSuite.defaultParallel, settle: 3,
                                     spacing: StartSpacing(interval: StartSpacing.betweenRuns))

    let width: Int
    /// Seconds from the first arrival to the first turn.
    let settle: Double
    /// Slots taken by the tests running now, and how many of those tests take several.
    private var used = 0
    private var wide = 0
    /// Whether turns are being given (`settle` has passed since the first arrival), and whether the
    /// wait for it has begun.
    private var open = false
    private var opening = false
    private var queue: [(slots: Int, exclusive: Bool, turn: CheckedContinuation<Void, Never>)] = []

    /// Keeps the starts of tests that run side by side apart, as `labrun all` does (`StartSpacing`).
    let spacing: StartSpacing?

    init(width: Int, settle: Double = 0, spacing: StartSpacing? = nil) {
        self.width = width
        self.settle = settle
        self.spacing = spacing
    }

    /// Runs `body` when its turn comes in the shared gate.
    static func run<T: Sendable>(exclusive: Bool, slots: Int = 1, _ body: () async throws -> T) async throws -> T {
        try await shared.run(exclusive: exclusive, slots: slots, body)
    }

    /// Runs `body` when its turn comes: alone when `exclusive`, else taking `slots` of the `width`
    /// (a scenario's `metadata.slots`; at most the width) beside others.
    nonisolated func run<T: Sendable>(exclusive: Bool, slots: Int = 1, _ body: () async throws -> T) async throws -> T {
        let taken = exclusive ? width : min(max(1, slots), width)
        await enter(slots: taken, exclusive: exclusive)
        do {
            if !exclusive { try await spacing?.turn() }
            let value = try await body()
            await leave(slots: taken, exclusive: exclusive)
            return value
        } catch {
            await leave(slots: taken, exclusive: exclusive)
            throw error
        }
    }

    private func enter(slots: Int, exclusive: Bool) async {
        await withCheckedContinuation { turn in
            queue.append((slots, exclusive, turn))
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

    private func leave(slots: Int, exclusive: Bool) {
        used -= slots
        if !exclusive && slots > 1 { wide -= 1 }
        admit()
    }

    /// Gives turns while one is due: an exclusive test first, once nothing runs (none is started while
    /// one waits); else as `SlotChoice` says.
    private func admit() {
        while open {
            let index: Int?
            if let exclusive = queue.firstIndex(where: \.exclusive) {
                index = used == 0 ? exclusive : nil
            } else {
                index = SlotChoice.next(queue, width: width, used: used, wideRunning: wide > 0, slots: \.slots)
            }
            guard let index else { return }
            let next = queue.remove(at: index)
            used += next.slots
            if !next.exclusive && next.slots > 1 { wide += 1 }
            next.turn.resume()
        }
    }
}
