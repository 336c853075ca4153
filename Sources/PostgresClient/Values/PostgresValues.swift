import Foundation
import LabrunCore

/// A Swift value that can be sent as a query parameter (text format). `nil` sends SQL NULL.
public protocol PostgresEncodable: Sendable {
    /// The parameter's text, or `nil` for NULL.
    var postgresText: String? { get }
}

/// A Swift value that a column's text decodes into.
public protocol PostgresDecodable: Sendable {
    /// Decodes from the column's text; `nil` text is SQL NULL. Throws a message on mismatch.
    static func decode(postgresText text: String?) throws(PostgresDecodingError) -> Self
}

/// Why a column value did not decode.
public struct PostgresDecodingError: Error, Sendable, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}

extension Int: PostgresEncodable, PostgresDecodable {
    public var postgresText: String? { String(self) }
    public static func decode(postgresText text: String?) throws(PostgresDecodingError) -> Int {
        guard let text else { throw PostgresDecodingError("is NULL") }
        guard let value = Int(text) else { throw PostgresDecodingError("`\(text.prefix(40))` is not an integer") }
        return value
    }
}

extension Int64: PostgresEncodable, PostgresDecodable {
    public var postgresText: String? { String(self) }
    public static func decode(postgresText text: String?) throws(PostgresDecodingError) -> Int64 {
        Int64(try Int.decode(postgresText: text))
    }
}

extension Double: PostgresEncodable, PostgresDecodable {
    public var postgresText: String? {
        if isNaN { return "NaN" }
        if isInfinite { return self > 0 ? "Infinity" : "-Infinity" }
        return String(self)
    }
    public static func decode(postgresText text: String?) throws(PostgresDecodingError) -> Double {
        guard let text else { throw PostgresDecodingError("is NULL") }
        switch text {
        case "NaN": return .nan
        case "Infinity": return .infinity
        case "-Infinity": return -.infinity
        default:
            guard let value = Double(text) else { throw PostgresDecodingError("`\(text.prefix(40))` is not a number") }
            return value
        }
    }
}

extension Bool: PostgresEncodable, PostgresDecodable {
    public var postgresText: String? { self ? "true" : "false" }
    public static func decode(postgresText text: String?) throws(PostgresDecodingError) -> Bool {
        switch text {
        case "t", "true", "TRUE", "1", "on", "yes": return true
        case "f", "false", "FALSE", "0", "off", "no": return false
        case nil: throw PostgresDecodingError("is NULL")
        case let other?: throw PostgresDecodingError("`\(other.prefix(40))` is not a Boolean")
        }
    }
}

extension String: PostgresEncodable, PostgresDecodable {
    public var postgresText: String? { self }
    public static func decode(postgresText text: String?) throws(PostgresDecodingError) -> String {
        guard let text else { throw PostgresDecodingError("is NULL") }
        return text
    }
}

extension UUID: PostgresEncodable, PostgresDecodable {
    public var postgresText: String? { uuidString.lowercased() }
    public static func decode(postgresText text: String?) throws(PostgresDecodingError) -> UUID {
        guard let text else { throw PostgresDecodingError("is NULL") }
        guard let value = UUID(uuidString: text) else { throw PostgresDecodingError("`\(text.prefix(40))` is not a UUID") }
        return value
    }
}

extension Date: PostgresEncodable, PostgresDecodable {
    public var postgresText: String? { PostgresTime.format(self) }
    public static func decode(postgresText text: String?) throws(PostgresDecodingError) -> Date {
        guard let text else { throw PostgresDecodingError("is NULL") }
        guard let value = PostgresTime.parse(text) else { throw PostgresDecodingError("`\(text.prefix(40))` is not a timestamp") }
        return value
    }
}

extension Optional: PostgresEncodable where Wrapped: PostgresEncodable {
    public var postgresText: String? { self?.postgresText }
}

extension Optional: PostgresDecodable where Wrapped: PostgresDecodable {
    public static func decode(postgresText text: String?) throws(PostgresDecodingError) -> Wrapped? {
        guard let text else { return nil }
        return try Wrapped.decode(postgresText: text)
    }
}

/// Text forms of timestamps as the server sends them with `DateStyle=ISO` and `TimeZone=UTC`.
public enum PostgresTime {
    /// Parses `2024-05-01`, `2024-05-01 12:34:56`, `…56.789`, `…+00`, `…+05:30`, `…T…Z`.
    /// A value without an offset is taken as UTC.
    public static func parse(_ text: String) -> Date? {
        let chars = Array(text.utf8)
        var index = 0
        func number(_ digits: Int) -> Int? {
            guard index + digits <= chars.count else { return nil }
            var value = 0
            for i in index..<(index + digits) {
                let c = chars[i]
                guard c >= 48, c <= 57 else { return nil }
                value = value * 10 + Int(c - 48)
            }
            index += digits
            return value
        }
        func expect(_ byte: UInt8) -> Bool {
            guard index < chars.count, chars[index] == byte else { return false }
            index += 1
            return true
        }
        guard let year = number(4), expect(UInt8(ascii: "-")), let month = number(2), expect(UInt8(ascii: "-")),
              let day = number(2) else { return nil }
        var hour = 0, minute = 0, second = 0
        var fraction = 0.0
        var offset = 0
        if index < chars.count, chars[index] == UInt8(ascii: " ") || chars[index] == UInt8(ascii: "T") {
            index += 1
            guard let h = number(2), expect(UInt8(ascii: ":")), let m = number(2), expect(UInt8(ascii: ":")),
                  let s = number(2) else { return nil }
            hour = h; minute = m; second = s
            if expect(UInt8(ascii: ".")) {
                var scale = 0.1
                while index < chars.count, chars[index] >= 48, chars[index] <= 57 {
                    fraction += Double(chars[index] - 48) * scale
                    scale /= 10
                    index += 1
                }
            }
            if index < chars.count {
                let sign = chars[index]
                if sign == UInt8(ascii: "Z") {
                    index += 1
                } else if sign == UInt8(ascii: "+") || sign == UInt8(ascii: "-") {
                    index += 1
                    guard let oh = number(2) else { return nil }
                    var om = 0, os = 0
                    if expect(UInt8(ascii: ":")) { guard let v = number(2) else { return nil }; om = v }
                    if expect(UInt8(ascii: ":")) { guard let v = number(2) else { return nil }; os = v }
                    offset = (oh * 3600 + om * 60 + os) * (sign == UInt8(ascii: "-") ? -1 : 1)
                } else {
                    return nil
                }
            }
        }
        guard index == chars.count else { return nil }
        var calendar = Calendar(identifier: .gregorian)
        guard let utc = TimeZone(identifier: "UTC") else { return nil }
        calendar.timeZone = utc
        let components = DateComponents(year: year, month: month, day: day, hour: hour, minute: minute, second: second)
        guard let base = calendar.date(from: components) else { return nil }
        return base.addingTimeInterval(fraction - Double(offset))
    }

    /// `2024-05-01T12:34:56.789Z`, which the server reads as a timestamptz.
    public static func format(_ date: Date) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return formatter.string(from: date)
    }
}
