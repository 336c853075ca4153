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

    @Test func sharedTestsRunWidthAtATimeAndExclusiveOnesAlone() async throws {
        let gate = EndToEndGate(width: 2)
        let occupancy = Occupancy()
        try await withThrowingTaskGroup(of: Void.self) { group in
            for index in 0..<12 {
                let exclusive = index % 4 == 1
                group.addTask {
                    try await gate.run(exclusive: exclusive) {
                        await occupancy.enter(exclusive)
                        try await Task.sleep(for: .milliseconds(20))
                        await occupancy.leave(exclusive)
                    }
                }
            }
            try await group.waitForAll()
        }
        let seen = await occupancy.seen
        #expect(seen.count == 12)
        #expect(seen.allSatisfy { $0.count <= 2 }, "more than two inside at once: \(seen)")
        #expect(seen.filter { $0.contains(true) }.allSatisfy { $0 == [true] }, "an exclusive test had company: \(seen)")
        #expect(seen.contains { $0.count == 2 }, "two shared tests never ran side by side: \(seen)")
    }

    /// A test taking two of three slots never runs beside another taking two.
    @Test func twoSlotTestsNeverRunSideBySide() async throws {
        let gate = EndToEndGate(width: 3)
        let occupancy = Occupancy()
        try await withThrowingTaskGroup(of: Void.self) { group in
            for index in 0..<9 {
                let heavy = index % 3 == 0
                group.addTask {
                    try await gate.run(exclusive: false, slots: heavy ? 2 : 1) {
                        await occupancy.enter(heavy)
                        try await Task.sleep(for: .milliseconds(20))
                        await occupancy.leave(heavy)
                    }
                }
            }
            try await group.waitForAll()
        }
        let seen = await occupancy.seen
        #expect(seen.allSatisfy { $0.filter { $0 }.count <= 1 }, "two heavy tests side by side: \(seen)")
        #expect(seen.allSatisfy { $0.count + $0.filter { $0 }.count <= 3 }, "more slots taken than the width: \(seen)")
        #expect(seen.contains { $0.contains(true) && $0.count == 2 }, "a heavy test never had a light one beside it: \(seen)")
    }

    @Test func aFailingTestGivesItsTurnBack() async throws {
        struct Boom: Error {}
        let gate = EndToEndGate(width: 1)
        await #expect(throws: Boom.self) { try await gate.run(exclusive: true) { throw Boom() } }
        let value = try await gate.run(exclusive: false) { 7 }
        #expect(value == 7)
    }
}
