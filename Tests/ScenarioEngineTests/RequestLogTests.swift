import Foundation
import Testing
@testable import ScenarioEngine
@testable import ScenarioModel

@Suite struct RequestLogTests {
    static func record(_ index: Int) -> RequestRecord {
        let outcomes: [RequestOutcome] = [.status(200), .status(503), .timeout, .connection("refused or unreachable"), .overload,
                                       .foreign(status: 200, owner: "labrun-user-2")]
        return RequestRecord(sequence: index, operation: index % 3 == 0 ? .create : .list, intended: 10 + Double(index) / 7,
                             start: 10.001 + Double(index) / 7, end: 10.25 + Double(index) / 7, outcome: outcomes[index % outcomes.count],
                             servedBy: index % 4 == 0 ? nil : "backend-\(index % 2)-ünïcode", version: index % 5 == 0 ? nil : "v\(index % 2)",
                             idempotencyKey: index % 3 == 0 ? "run-\(index)" : nil, session: index % 7 == 0 ? nil : "\(index % 11)")
    }

    @Test func everyFieldComesBackAsWrittenAcrossBlocksAndReadsRepeat() throws {
        let log = try RequestLog()
        // Enough records for several 64 KiB blocks, so records straddle the block boundaries.
        let written = (0..<5000).map(Self.record)
        for record in written { log.append(record) }
        let records = log.records
        #expect(records.count == 5000)
        #expect(Array(records) == written)
        #expect(Array(records) == written, "a second pass reads the same")
        log.append(Self.record(5000))
        #expect(Array(log.records).count == 5001, "a later read sees the later records")
        #expect(records.count == 5000 && Array(records).count == 5000, "an earlier snapshot does not")
    }

    @Test func aRecordLongerThanABlockIsReadWhole() throws {
        let log = try RequestLog()
        var long = Self.record(1)
        long.outcome = .connection(String(repeating: "x", count: 200_000))
        log.append(Self.record(0))
        log.append(long)
        log.append(Self.record(2))
        #expect(Array(log.records) == [Self.record(0), long, Self.record(2)])
    }

    @Test func anEmptyLogReadsNothingAndTheFileGoesWithTheLog() throws {
        var log: RequestLog? = try RequestLog()
        let path = try #require(log?.path)
        #expect(log.map { Array($0.records) }?.isEmpty == true)
        #expect(FileManager.default.fileExists(atPath: path))
        log = nil
        #expect(!FileManager.default.fileExists(atPath: path))
    }
}
