import Foundation
import LabrunCore
import ScenarioModel

/// One line of the run history (`history.jsonl`): a scenario's outcome in one invocation of labrun —
/// its verdict over the runs (`flaky` under `--repeat` when some passed), and the distribution of each
/// key figure. Compact on purpose: no timeline, no requests, a few hundred bytes.
///
/// ```json
/// {"at":"2027-01-15T08:00:00Z","figures":[{"distribution":{"count":5,"max":69,"median":21,"min":13.5,"p90":69},
///  "name":"error window: backend back within 90s of PostgreSQL's restart","unit":"seconds"}],"passed":4,
///  "regressionPercent":25,"run":"20270115T080000Z","runs":5,"scenario":"db-persistence-restart","v":1,"verdict":"flaky"}
/// ```
public struct HistoryRecord: Sendable, Hashable, Codable {
    /// The format written here; a line with a higher `v` comes from a newer labrun and is refused.
    public static let currentVersion = 1

    /// The format's version.
    public var v: Int
    /// The invocation this record belongs to (its start, UTC: `20270115T080000Z`); shared by every
    /// scenario of that invocation.
    public var run: String
    /// When the invocation started.
    public var at: Date
    public var scenario: String
    public var verdict: RepeatVerdict
    public var runs: Int
    public var passed: Int
    /// The scenario's `metadata.regressionPercent` when it ran.
    public var regressionPercent: Double
    public var figures: [FigureDistribution]

    public init(run: String, at: Date, summary: RepeatSummary) {
        v = Self.currentVersion
        self.run = run
        self.at = at
        scenario = summary.scenario
        verdict = summary.verdict
        runs = summary.runs
        passed = summary.passed
        regressionPercent = summary.regressionPercent
        figures = summary.figures
    }

    /// The id of an invocation that started at `date`: `20270115T080000Z`.
    public static func runID(_ date: Date) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "yyyyMMdd'T'HHmmss'Z'"
        return formatter.string(from: date)
    }

    /// The figure of that name, if this record has it.
    public func figure(_ name: String) -> FigureDistribution? { figures.first { $0.name == name } }

    /// Why a decoded record cannot be used, or nil when it can.
    var problem: String? {
        if v > Self.currentVersion { return "written by a newer labrun (format v\(v); this one reads v\(Self.currentVersion))" }
        if v < 1 { return "format version \(v) does not exist" }
        if scenario.isEmpty { return "the scenario name is empty" }
        if runs < 1 || passed < 0 || passed > runs { return "\(passed) of \(runs) runs passed is not a possible count" }
        if !regressionPercent.isFinite || regressionPercent <= 0 { return "regressionPercent \(regressionPercent) is not a positive number" }
        for figure in figures {
            let d = figure.distribution
            guard [d.min, d.median, d.p90, d.max].allSatisfy(\.isFinite), d.count >= 1, d.min <= d.median, d.median <= d.p90, d.p90 <= d.max else {
                return "figure \"\(figure.name)\" is not a distribution (min ≤ median ≤ p90 ≤ max over at least one run)"
            }
        }
        return nil
    }

    // MARK: - One JSON line

    /// The record as one line of JSON (sorted keys, no newline inside).
    public func line() throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .iso8601
        do {
            return String(decoding: try encoder.encode(self), as: UTF8.self)
        } catch {
            throw LabrunError(id: ErrorID.historyWrite, message: "Could not encode the history record of \(scenario): \(error).",
                              advice: "This is a bug in labrun; please report it with the scenario that ran.")
        }
    }

    /// Reads one line; the reason it is not a record otherwise (for `RunHistory`'s error).
    static func parse(_ line: Substring) -> Result<HistoryRecord, HistoryLineProblem> {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        do {
            let record = try decoder.decode(HistoryRecord.self, from: Data(line.utf8))
            if let problem = record.problem { return .failure(HistoryLineProblem(problem)) }
            return .success(record)
        } catch let DecodingError.keyNotFound(key, _) {
            return .failure(HistoryLineProblem("the key \"\(key.stringValue)\" is missing"))
        } catch let DecodingError.typeMismatch(_, context), let DecodingError.valueNotFound(_, context) {
            return .failure(HistoryLineProblem("\(Self.path(context)) has the wrong type"))
        } catch let DecodingError.dataCorrupted(context) {
            return .failure(HistoryLineProblem(context.codingPath.isEmpty ? "not JSON" : "\(Self.path(context)) is not valid"))
        } catch {
            return .failure(HistoryLineProblem("not JSON"))
        }
    }

    private static func path(_ context: DecodingError.Context) -> String {
        let keys = context.codingPath.map { $0.intValue.map { "[\($0)]" } ?? "." + $0.stringValue }.joined()
        return keys.isEmpty ? "the line" : String(keys.drop { $0 == "." })
    }
}

/// Why a history line is not a record, in words.
struct HistoryLineProblem: Error, Sendable {
    var text: String
    init(_ text: String) { self.text = text }
}
