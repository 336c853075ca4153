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
    /// Slots taken by the tests running now (a test that released its slots still runs: see `inside`).
    private var used = 0
    /// Tests that entered and have not ended: an exclusive test waits for none, not merely for free
    /// slots, or it could stop the cluster under a neighbour's cleanup.
    private var inside = 0
    private var queue: [(slots: Int, exclusive: Bool, turn: CheckedContinuation<Void, Never>)] = []

    init(width: Int) { self.width = width }

    /// Runs `body` when its turn comes in the shared gate.
    static func run<T: Sendable>(exclusive: Bool, slots: Int = 1, release: Release? = nil, _ body: () async throws -> T) async throws -> T {
        try await shared.run(exclusive: exclusive, slots: slots, release: release, body)
    }

    /// Runs `body` when its turn comes: alone when `exclusive`, else taking `slots` of the `width`
    /// (a scenario's `metadata.slots`; at most the width) beside others. A shared test gives its slots
    /// back early by calling `release` (its scenario's cleanup began), as `labrun all` does; an
    /// exclusive one holds the cluster to its end.
    nonisolated func run<T: Sendable>(exclusive: Bool, slots: Int = 1, release: Release? = nil, _ body: () async throws -> T) async throws -> T {
        let taken = exclusive ? width : min(max(1, slots), width)
        await enter(slots: taken, exclusive: exclusive)
        let ticket = exclusive ? Release() : release ?? Release()
        ticket.arm { Task { await self.leave(slots: taken, ended: false) } }
        do {
            let value = try await body()
            await leave(slots: ticket.claim() != nil ? taken : 0, ended: true)
            return value
        } catch {
            await leave(slots: ticket.claim() != nil ? taken : 0, ended: true)
            throw error
        }
    }

    /// Gives a test's slots back before it ends; only the first call (before the end) counts.
    final class Release: @unchecked Sendable {
        private let lock = NSLock()
        private var done = false
        private var leave: (@Sendable () -> Void)?

        init() {}

        func callAsFunction() { claim()?() }

        fileprivate func arm(_ leave: @escaping @Sendable () -> Void) { lock.withLock { self.leave = leave } }

        /// The way to leave, the first time after `arm`; nil after that.
        fileprivate func claim() -> (@Sendable () -> Void)? {
            lock.withLock {
                guard !done, let leave else { return nil }
                done = true
                return leave
            }
        }
    }

    private func enter(slots: Int, exclusive: Bool) async {
        await withCheckedContinuation { turn in
            queue.append((slots, exclusive, turn))
            admit()
        }
    }

    private func leave(slots: Int, ended: Bool) {
        used -= slots
        if ended { inside -= 1 }
        admit()
    }

    /// Admits waiting tests from the front of the queue while the first of them fits.
    private func admit() {
        while let next = queue.first, next.exclusive ? inside == 0 : used + next.slots <= width {
            queue.removeFirst()
            used += next.slots
            inside += 1
            next.turn.resume()
        }
    }
}
