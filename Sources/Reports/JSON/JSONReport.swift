import Foundation
import LabrunCore
import ScenarioModel

/// Renders scenario results as the run's JSON result: a pretty, stable array of `ScenarioResult`.
///
/// Keys are sorted and dates are ISO 8601 in UTC with milliseconds, so two runs diff cleanly and any tool can read it;
/// `decode(_:)` reads it back.
public struct JSONReport: Sendable {
    private let redactor: Redactor

    public init(redactor: Redactor = .shared) {
        self.redactor = redactor
    }

    /// The JSON document (UTF-8, ending with a newline).
    public func render(_ results: [ScenarioResult]) throws -> Data {
        try encode(results.map { $0.redacted(by: redactor) })
    }

    /// The run's summary (`summary.json`): per scenario its verdict over the runs — `flaky` when only
    /// some of `--repeat N` passed —, the pass rate and the distribution of every key figure.
    public func renderSummary(_ results: [ScenarioResult]) throws -> Data {
        try encode(RepeatSummary.summarize(results.map { $0.redacted(by: redactor) }))
    }

    private func encode(_ value: some Encodable) throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .custom { date, encoder in
            var container = encoder.singleValueContainer()
            try container.encode(Self.formatter(fractional: true).string(from: date))
        }
        encoder.nonConformingFloatEncodingStrategy = .convertToString(
            positiveInfinity: "Infinity", negativeInfinity: "-Infinity", nan: "NaN")
        do {
            var data = try encoder.encode(value)
            data.append(contentsOf: Array("\n".utf8))
            return data
        } catch {
            throw LabrunError(id: ErrorID.reportEncode, message: "Could not encode the JSON result: \(error).",
                              advice: "This is a bug in labrun; please report it with the scenario that ran.")
        }
    }

    /// Reads a JSON result written by `render(_:)`.
    public static func decode(_ data: Data) throws -> [ScenarioResult] {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .custom { decoder in
            let container = try decoder.singleValueContainer()
            let text = try container.decode(String.self)
            guard let date = Self.formatter(fractional: true).date(from: text)
                ?? Self.formatter(fractional: false).date(from: text) else {
                throw DecodingError.dataCorruptedError(in: container, debugDescription: "\(text) is not an ISO 8601 date")
            }
            return date
        }
        decoder.nonConformingFloatDecodingStrategy = .convertFromString(
            positiveInfinity: "Infinity", negativeInfinity: "-Infinity", nan: "NaN")
        do {
            return try decoder.decode([ScenarioResult].self, from: data)
        } catch {
            throw LabrunError(id: ErrorID.reportDecode, exitCode: ExitCode.invalidInput,
                              message: "Could not read the JSON result: \(error).",
                              advice: "Check that the file is a result.json written by labrun.")
        }
    }

    /// ISO 8601 in UTC, with milliseconds when `fractional`.
    private static func formatter(fractional: Bool) -> ISO8601DateFormatter {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = fractional ? [.withInternetDateTime, .withFractionalSeconds] : [.withInternetDateTime]
        formatter.timeZone = TimeZone(identifier: "UTC")
        return formatter
    }
}
