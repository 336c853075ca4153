import Foundation

/// Cuts a byte stream into lines, however the bytes were split into chunks.
///
/// A line ends at `\n`; a `\r` before it is dropped. Used by streaming responses (Kubernetes
/// watches send one JSON object per line, and a chunk may end in the middle of one).
public struct LineSplitter: Sendable {
    private var pending = Data()
    /// Largest line accepted (bytes); longer input is an error rather than unbounded memory.
    public let maximumLineLength: Int

    public init(maximumLineLength: Int = 64 << 20) { self.maximumLineLength = maximumLineLength }

    /// Adds a chunk and returns the lines it completed (without their line ends). Empty lines are skipped.
    public mutating func append(_ chunk: Data) throws -> [Data] {
        var lines: [Data] = []
        var rest = chunk[...]
        while let newline = rest.firstIndex(of: UInt8(ascii: "\n")) {
            var line = pending
            line.append(contentsOf: rest[rest.startIndex..<newline])
            pending = Data()
            if line.last == UInt8(ascii: "\r") { line.removeLast() }
            if !line.isEmpty { lines.append(line) }
            rest = rest[rest.index(after: newline)...]
        }
        pending.append(contentsOf: rest)
        if pending.count > maximumLineLength {
            pending = Data()
            throw LineTooLong(limit: maximumLineLength)
        }
        return lines
    }

    /// Returns what is left after the last line end (a final line without `\n`), if anything.
    public mutating func finish() -> Data? {
        defer { pending = Data() }
        var line = pending
        if line.last == UInt8(ascii: "\r") { line.removeLast() }
        return line.isEmpty ? nil : line
    }

    /// A line longer than `maximumLineLength`.
    public struct LineTooLong: Error, CustomStringConvertible {
        public let limit: Int
        public var description: String { "A streamed line exceeded \(limit) bytes." }
    }
}
