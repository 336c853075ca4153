import Testing
@testable import ScenarioEngine
@testable import ScenarioModel

@Suite struct ArrivalScheduleTests {
    @Test func requestsAreDueAtAConstantRate() {
        let schedule = ArrivalSchedule(rate: 20, start: 100)
        #expect(schedule.interval == 0.05)
        #expect(schedule.intendedTime(of: 0) == 100)
        #expect(abs(schedule.intendedTime(of: 20) - 101) < 1e-9)
        #expect(schedule.intendedTimes(for: 1).count == 20)
        #expect(schedule.intendedTimes(for: 30).count == 600)
    }

    @Test func dueCountsDoNotDriftWithFloatingPointError() {
        let schedule = ArrivalSchedule(rate: 30, start: 0)
        // 0.1 s × 30/s = exactly 3, even though 0.1 is not exact in binary.
        #expect(schedule.dueCount(before: 0.1) == 3)
        #expect(schedule.dueCount(before: 0) == 0)
        #expect(schedule.dueCount(before: 0.0001) == 1)
        #expect(schedule.dueCount(before: 60) == 1800)
    }

    @Test func windowsPartitionTheSchedule() {
        let schedule = ArrivalSchedule(rate: 7, start: 3)
        let a = schedule.indices(from: 3, to: 10)
        let b = schedule.indices(from: 10, to: 17.5)
        #expect(a.upperBound == b.lowerBound)
        #expect(a.count + b.count == schedule.indices(from: 3, to: 17.5).count)
        #expect(schedule.indices(from: 10, to: 5).isEmpty)
    }

    @Test func fractionalRatesAreKept() {
        let schedule = ArrivalSchedule(rate: 2.5, start: 0)
        #expect(schedule.intendedTimes(for: 10).count == 25)
        #expect(schedule.intendedTime(of: 3) == 1.2)
    }
}

@Suite struct OperationPickerTests {
    @Test func theMixFollowsTheWeightsExactlyOverEachCycle() {
        var picker = OperationPicker(mix: [.list: 4, .get: 2, .create: 3, .complete: 1])
        let cycle = (0..<10).map { _ in picker.next() }
        #expect(cycle.filter { $0 == .list }.count == 4)
        #expect(cycle.filter { $0 == .create }.count == 3)
        #expect(cycle.filter { $0 == .get }.count == 2)
        #expect(cycle.filter { $0 == .complete }.count == 1)
        // The next cycle repeats the same sequence: runs are reproducible.
        #expect((0..<10).map { _ in picker.next() } == cycle)
    }

    @Test func operationsAreInterleavedNotInBlocks() {
        var picker = OperationPicker(mix: [.list: 1, .create: 1])
        #expect((0..<6).map { _ in picker.next() } == [.create, .list, .create, .list, .create, .list])
    }

    @Test func zeroWeightsAreNeverPicked() {
        var picker = OperationPicker(mix: [.list: 0, .create: 2])
        #expect((0..<5).allSatisfy { _ in picker.next() == .create })
    }
}
