import Foundation
import ScenarioEngine

/// Lets the end-to-end tests share the cluster the way `labrun all --parallel N` does: at most
/// `width` scenarios at once, each in its own namespace, and a test that disturbs the whole cluster
/// (an exclusive scenario, `labrun up`/`down`, an interrupted run and its sweep) alone.
///
/// Swift Testing starts the tests of these suites side by side; each waits here for its turn.
/// Turns are given in arrival order, so an exclusive test is never starved by a stream of shared
/// ones. The width is `LABRUN_E2E_PARALLEL`, else `ScenarioSuite.defaultParallel` (what `labrun
/// all` uses on this machine); with `swift test --no-parallel` the tests arrive one at a time anyway.
actor EndToEndGate {
    static let shared = EndToEndGate(width: ProcessInfo.processInfo.environment["LABRUN_E2E_PARALLEL"].flatMap { Int($0) }
                                            .map { max(1, $0) } ?? ScenarioSuite.defaultParallel)

    let width: Int
    /// Slots taken by the tests running now.
    private var used = 0
    private var queue: [(slots: Int, turn: CheckedContinuation<Void, Never>)] = []

    init(width: Int) { self.width = width }

    /// Runs `body` when its turn comes in the shared gate.
    static func run<T: Sendable>(exclusive: Bool, slots: Int = 1, _ body: () async throws -> T) async throws -> T {
        try await shared.run(exclusive: exclusive, slots: slots, body)
    }

    /// Runs `body` when its turn comes: alone when `exclusive`, else taking `slots` of the `width`
    /// (a scenario's `metadata.slots`; at most the width) beside others.
    nonisolated func run<T: Sendable>(exclusive: Bool, slots: Int = 1, _ body: () async throws -> T) async throws -> T {
        let taken = exclusive ? width : min(max(1, slots), width)
        await enter(slots: taken)
        do {
            let value = try await body()
            await leave(slots: taken)
            return value
        } catch {
            await leave(slots: taken)
            throw error
        }
    }

    private func enter(slots: Int) async {
        await withCheckedContinuation { turn in
            queue.append((slots, turn))
            admit()
        }
    }

    private func leave(slots: Int) {
        used -= slots
        admit()
    }

    /// Admits waiting tests from the front of the queue while the first of them fits.
    private func admit() {
        while let next = queue.first, used + next.slots <= width {
            queue.removeFirst()
            used += next.slots
            next.turn.resume()
        }
    }
}
