import Foundation
import LabrunCore
import ScenarioEngine
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

    /// Sends `tests` (each: exclusive or not, its slots) through `gate`, the n-th arriving 10 ms × n after
    /// the first, each running 20 ms; returns the indices of the tests in the order they entered.
    func entryOrder(_ gate: EndToEndGate, _ tests: [(exclusive: Bool, slots: Int)]) async throws -> [Int] {
        actor Order {
            var entered: [Int] = []
            func add(_ index: Int) { entered.append(index) }
        }
        let order = Order()
        try await withThrowingTaskGroup(of: Void.self) { group in
            for (index, test) in tests.enumerated() {
                group.addTask {
                    try await Task.sleep(for: .milliseconds(10 * index))
                    try await gate.run(exclusive: test.exclusive, slots: test.slots) {
                        await order.add(index)
                        try await Task.sleep(for: .milliseconds(20))
                    }
                }
            }
            try await group.waitForAll()
        }
        return await order.entered
    }

    /// A test taking two slots goes first while none runs (`SlotChoice`), even when single-slot ones
    /// arrived before it: with first-that-fits it waited until they had all started.
    @Test func aTwoSlotTestDoesNotWaitForEverySingleOne() async throws {
        // The single-slot ones arrive first.
        let tests = (0..<8).map { (exclusive: false, slots: $0 >= 6 ? 2 : 1) }
        let entered = try await entryOrder(EndToEndGate(width: 3, settle: 1), tests).map { tests[$0].slots }
        #expect(entered.first == 2, "the two-slot test did not go first: \(entered)")
        #expect(entered.last == 1, "the two-slot tests ran last: \(entered)")
    }

    /// Exclusive tests go first, as `labrun all` runs them, even when shared ones arrived before them
    /// (within the settle time): then no slot idles while the shared tests drain for each of them.
    @Test func exclusiveTestsGoFirst() async throws {
        // The shared ones arrive first.
        let tests = (0..<6).map { (exclusive: $0 >= 4, slots: 1) }
        let entered = try await entryOrder(EndToEndGate(width: 3, settle: 2), tests).map { tests[$0].exclusive }
        #expect(entered == [true, true, false, false, false, false])
    }

    /// Tests side by side start spaced apart, as `labrun all`'s runs do (`StartSpacing`): the second
    /// waits one interval, the third two; an exclusive one is alone anyway and does not wait.
    @Test func sharedTestsStartSpacedApart() async throws {
        final class StillClock: LabClock, @unchecked Sendable {
            private let lock = NSLock()
            private var asked: [Double] = []
            var sleeps: [Double] { lock.withLock { asked } }
            func now() -> Double { 0 }
            func wallTime() -> Date { Date(timeIntervalSince1970: 0) }
            func sleep(seconds: Double) async throws { lock.withLock { asked.append(seconds) } }
        }
        let clock = StillClock()
        let gate = EndToEndGate(width: 3, spacing: StartSpacing(interval: 15, clock: clock))
        try await withThrowingTaskGroup(of: Void.self) { group in
            for index in 0..<4 {
                group.addTask { try await gate.run(exclusive: index == 0) {} }
            }
            try await group.waitForAll()
        }
        #expect(clock.sleeps.sorted() == [15, 30])
    }

    @Test func aFailingTestGivesItsTurnBack() async throws {
        struct Boom: Error {}
        let gate = EndToEndGate(width: 1)
        await #expect(throws: Boom.self) { try await gate.run(exclusive: true) { throw Boom() } }
        let value = try await gate.run(exclusive: false) { 7 }
        #expect(value == 7)
    }
}
