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
    private var running = 0
    private var exclusiveRunning = false
    private var queue: [(exclusive: Bool, turn: CheckedContinuation<Void, Never>)] = []

    init(width: Int) { self.width = width }

    /// Runs `body` when its turn comes in the shared gate.
    static func run<T: Sendable>(exclusive: Bool, _ body: () async throws -> T) async throws -> T {
        try await shared.run(exclusive: exclusive, body)
    }

    /// Runs `body` when its turn comes: alone when `exclusive`, else beside at most `width - 1` others.
    nonisolated func run<T: Sendable>(exclusive: Bool, _ body: () async throws -> T) async throws -> T {
        await enter(exclusive: exclusive)
        do {
            let value = try await body()
            await leave(exclusive: exclusive)
            return value
        } catch {
            await leave(exclusive: exclusive)
            throw error
        }
    }

    private func enter(exclusive: Bool) async {
        await withCheckedContinuation { turn in
            queue.append((exclusive, turn))
            admit()
        }
    }

    private func leave(exclusive: Bool) {
        running -= 1
        if exclusive { exclusiveRunning = false }
        admit()
    }

    /// Admits waiting tests from the front of the queue while the first of them fits.
    private func admit() {
        while let next = queue.first {
            let fits = next.exclusive ? running == 0 : !exclusiveRunning && running < width
            guard fits else { return }
            queue.removeFirst()
            running += 1
            if next.exclusive { exclusiveRunning = true }
            next.turn.resume()
        }
    }
}
