/// One kind of request the load generator sends: the name of an operation of the stack file's
/// `traffic.operations` (what it sends is there, not here).
public struct LoadOperation: RawRepresentable, Sendable, Hashable, Codable, CodingKeyRepresentable, Comparable,
    ExpressibleByStringLiteral, CustomStringConvertible {
    public var rawValue: String

    public init(rawValue: String) { self.rawValue = rawValue }
    public init(_ name: String) { rawValue = name }
    public init(stringLiteral value: String) { rawValue = value }

    public var description: String { rawValue }

    public static func < (lhs: LoadOperation, rhs: LoadOperation) -> Bool { lhs.rawValue < rhs.rawValue }
}
