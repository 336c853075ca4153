import Foundation

/// A length of time written the way scenario files write it: `500ms`, `30s`, `2m`, `1h`, `1m30s`.
///
/// Stored as whole milliseconds so that values compare exactly; encoded back to the same short form.
public struct ScenarioDuration: Sendable, Hashable, Comparable, Codable, CustomStringConvertible {
    /// The length in milliseconds.
    public let milliseconds: Int

    public init(milliseconds: Int) { self.milliseconds = milliseconds }

    /// The duration of `value` seconds, to the millisecond. Saturates rather than traps: NaN is 0s,
    /// and lengths past what an `Int` of milliseconds holds (292 million years) are clamped to it.
    public static func seconds(_ value: Double) -> ScenarioDuration {
        let milliseconds = (value * 1000).rounded()
        if milliseconds.isNaN { return ScenarioDuration(milliseconds: 0) }
        if milliseconds >= Double(Int.max) { return ScenarioDuration(milliseconds: .max) }
        if milliseconds <= Double(Int.min) { return ScenarioDuration(milliseconds: .min) }
        return ScenarioDuration(milliseconds: Int(milliseconds))
    }

    /// The length in seconds, for clocks and waits.
    public var seconds: Double { Double(milliseconds) / 1000 }

    /// The hint every "invalid duration" error ends with.
    public static let formatHint = "expected e.g. 500ms, 30s, 2m"

    /// The longest duration a scenario may give anything: a week. Longer ones are refused by the
    /// validator (a few trillion hours used to overflow the milliseconds and stop labrun).
    public static let longest = ScenarioDuration(milliseconds: 7 * 24 * 3_600_000)

    /// Parses `500ms`, `30s`, `2m`, `1h`, `1.5s` or a sequence of them (`1m30s`), at most `longest`.
    /// Returns `nil` for anything else, including bare numbers (a unit is always required) and negative values.
    public init?(parsing text: String) {
        guard let total = Self.seconds(parsing: text), total <= Self.longest.seconds else { return nil }
        self = .seconds(total)
    }

    /// The seconds a well-formed duration stands for, however long (`+infinity` past a Double's range,
    /// e.g. 400 digits of hours), or nil when `text` is not one.
    public static func seconds(parsing text: String) -> Double? {
        var rest = Substring(text)
        var total = 0.0
        guard !rest.isEmpty else { return nil }
        while !rest.isEmpty {
            let number = rest.prefix { $0.isASCII && ($0.isNumber || $0 == ".") }
            // Digits, optionally a dot and more digits: as the schema's pattern, no `.5` or `1.`.
            let parts = number.split(separator: ".", omittingEmptySubsequences: false)
            guard (1...2).contains(parts.count), parts.allSatisfy({ !$0.isEmpty }), let value = Double(number) else { return nil }
            rest = rest.dropFirst(number.count)
            let unit = rest.prefix { $0.isASCII && $0.isLetter }
            rest = rest.dropFirst(unit.count)
            switch unit {
            case "ms": total += value / 1000
            case "s": total += value
            case "m": total += value * 60
            case "h": total += value * 3600
            default: return nil
            }
        }
        return total.isNaN ? nil : total
    }

    /// The shortest usual form: `500ms`, `30s`, `2m`, `1m30s`, `1.5s`.
    public var description: String {
        let ms = milliseconds
        if ms == 0 { return "0s" }
        if ms % 1000 != 0 {
            return ms < 1000 || ms % 100 != 0 ? "\(ms)ms" : String(format: "%gs", Double(ms) / 1000)
        }
        let s = ms / 1000
        if s % 3600 == 0 { return "\(s / 3600)h" }
        if s >= 60 && s % 60 == 0 { return "\(s / 60)m" }
        if s > 60 { return "\(s / 60)m\(s % 60)s" }
        return "\(s)s"
    }

    public static func < (lhs: ScenarioDuration, rhs: ScenarioDuration) -> Bool { lhs.milliseconds < rhs.milliseconds }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        let text = try container.decode(String.self)
        guard let parsed = ScenarioDuration(parsing: text) else {
            throw DecodingError.dataCorruptedError(
                in: container, debugDescription: "invalid duration \"\(text)\" (\(ScenarioDuration.formatHint))")
        }
        self = parsed
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }
}
