import Foundation
import Testing

/// The gate the end-to-end tests share the cluster through: never more than its width at once,
/// an exclusive test alone, turns in arrival order. Runs without a cluster.
@Suite struct EndToEndGateTests {
    /// Counts who is inside at once.
    actor Occupancy {
        var inside: [Bool] = []
        var seen: [[Bool]] = []
        func enter(_ exclusive: Bool) { inside.append(exclusive); seen.append(inside) }
        func leave(_ exclusive: Bool) { if let index = inside.firstIndex(of: exclusive) { inside.remove(at: index) } }
    }

    /// Sends `count` tests through `gate` side by side, each marked by `marked(index)` and taking
    /// `slots(index)`; returns who was inside each time one entered.
    func occupancy(_ gate: EndToEndGate, count: Int, marked: @escaping @Sendable (Int) -> Bool,
                   exclusive: Bool, slots: @escaping @Sendable (Int) -> Int = { _ in 1 }) async throws -> [[Bool]] {
        let occupancy = Occupancy()
        try await withThrowingTaskGroup(of: Void.self) { group in
            for index in 0..<count {
                let mark = marked(index)
                group.addTask {
                    try await gate.run(exclusive: exclusive && mark, slots: slots(index)) {
                        await occupancy.enter(mark)
                        try await Task.sleep(for: .milliseconds(20))
                        await occupancy.leave(mark)
                    }
                }
            }
            try await group.waitForAll()
        }
        return await occupancy.seen
    }

    @Test func sharedTestsRunWidthAtATimeAndExclusiveOnesAlone() async throws {
        let seen = try await occupancy(EndToEndGate(width: 2), count: 12, marked: { $0 % 4 == 1 }, exclusive: true)
        #expect(seen.count == 12)
        #expect(seen.allSatisfy { $0.count <= 2 }, "more than two inside at once: \(seen)")
        #expect(seen.filter { $0.contains(true) }.allSatisfy { $0 == [true] }, "an exclusive test had company: \(seen)")
        #expect(seen.contains { $0.count == 2 }, "two shared tests never ran side by side: \(seen)")
    }

    /// A test taking two of three slots never runs beside another taking two.
    @Test func twoSlotTestsNeverRunSideBySide() async throws {
        let seen = try await occupancy(EndToEndGate(width: 3), count: 9, marked: { $0 % 3 == 0 }, exclusive: false,
                                       slots: { $0 % 3 == 0 ? 2 : 1 })
        #expect(seen.allSatisfy { $0.filter { $0 }.count <= 1 }, "two heavy tests side by side: \(seen)")
        #expect(seen.allSatisfy { $0.count + $0.filter { $0 }.count <= 3 }, "more slots taken than the width: \(seen)")
        #expect(seen.contains { $0.contains(true) && $0.count == 2 }, "a heavy test never had a light one beside it: \(seen)")
    }

    /// A shared test that releases its slot (its cleanup began) lets the next in while it finishes; it
    /// leaves once only, and an exclusive test's release changes nothing.
    @Test(.timeLimit(.minutes(1))) func aReleasedSlotLetsTheNextInBeforeTheEnd() async throws {
        let gate = EndToEndGate(width: 1)
        let release = EndToEndGate.Release()
        let second = Task<Bool, Never> {
            _ = try? await gate.run(exclusive: false) { true }
            return true
        }
        try await gate.run(exclusive: false, release: release) {
            try await Task.sleep(for: .milliseconds(20))   // the second test is waiting now
            release()
            release()
            // Still inside: the second one gets in (the test hangs here if it never does).
            _ = await second.value
        }
        // Released once: the gate is free again, not over-freed (a width-1 gate admits one at a time).
        let seen = try await occupancy(gate, count: 4, marked: { _ in false }, exclusive: false)
        #expect(seen.allSatisfy { $0.count <= 1 }, "the gate admitted more than its width after a release: \(seen)")
        // An exclusive test keeps the cluster to its end.
        let held = EndToEndGate.Release(), waiting = Occupancy()
        let stillAlone = try await gate.run(exclusive: true, release: held) {
            _ = Task { try await gate.run(exclusive: false) { await waiting.enter(false) } }
            held()
            try await Task.sleep(for: .milliseconds(50))
            return await waiting.seen.isEmpty
        }
        #expect(stillAlone, "the exclusive test's release let another test in")
    }

    /// An exclusive test waits for a test that gave its slots back to end: it could stop the cluster
    /// under that test's cleanup.
    @Test(.timeLimit(.minutes(1))) func anExclusiveTestWaitsForACleanupToEnd() async throws {
        let gate = EndToEndGate(width: 2)
        let release = EndToEndGate.Release(), order = Occupancy()
        let exclusive = try await gate.run(exclusive: false, release: release) {
            release()
            let exclusive = Task { try await gate.run(exclusive: true) { await order.enter(true) } }
            try await Task.sleep(for: .milliseconds(50))
            await order.enter(false)   // still cleaning up
            return exclusive
        }
        try await exclusive.value
        #expect(await order.seen == [[false], [false, true]], "the exclusive test came in during the cleanup")
    }

    @Test func aFailingTestGivesItsTurnBack() async throws {
        struct Boom: Error {}
        let gate = EndToEndGate(width: 1)
        await #expect(throws: Boom.self) { try await gate.run(exclusive: true) { throw Boom() } }
        let value = try await gate.run(exclusive: false) { 7 }
        #expect(value == 7)
    }
}
