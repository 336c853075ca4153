import Foundation
import LabrunCore
import ScenarioModel

/// Every request record of a load run, spilled to a file as it completes instead of kept in memory.
///
/// Issue 11 measured the old list of records (and a task per request) at 183 MiB resident at
/// 1,000 requests/s; the file holds about 100 bytes a request, in 64 KiB writes, and memory stays flat
/// however long the load runs. The phase statistics, the per-second lane and the load-based
/// assertions read it back with `records` as often as they need (one pass each, in completion order,
/// not sequence order); the write ledger takes each write's idempotency key and outcome from it.
///
/// Thread-safe: records arrive from the HTTP client's event loop. The file is a private temporary one,
/// deleted when the last reference to the log (or to a `records` sequence) goes away.
public final class RequestLog: @unchecked Sendable {
    private let lock = NSLock()
    private let file: SpillFile
    private var buffer: [UInt8] = []
    private var flushedBytes = 0
    private var writeFailure: String?
    private var _count = 0

    /// Records appended so far.
    public var count: Int { lock.withLock { _count } }

    private static let bufferLimit = 64 * 1024

    /// A log in a new temporary file. Throws `LOAD_SPILL_FAILED` when the file cannot be created.
    public init() throws {
        let path = FileManager.default.temporaryDirectory
            .appendingPathComponent("labrun-requests-\(getpid())-\(UUID().uuidString).bin").path
        guard let handle = fopen(path, "wb") else {
            throw LabrunError(id: ErrorID.loadSpillFailed, exitCode: ExitCode.unavailable,
                              message: "Could not create \(path) for the load's request records: \(String(cString: strerror(errno))).",
                              advice: "Check that the temporary directory (TMPDIR) exists, is writable and has free space.")
        }
        file = SpillFile(path: path, writer: handle)
        buffer.reserveCapacity(Self.bufferLimit + 512)
    }

    /// Appends one record (encoded into the write buffer; written out in 64 KiB blocks).
    public func append(_ record: RequestRecord) {
        lock.withLock {
            RecordCoding.encode(record, into: &buffer)
            _count += 1
            if buffer.count >= Self.bufferLimit { flushLocked() }
        }
    }

    /// The records so far, readable any number of times. Flushes the buffer first.
    public var records: LoggedRecords {
        lock.withLock {
            flushLocked()
            return LoggedRecords(file: file, length: flushedBytes, count: _count)
        }
    }

    /// The spill file's path.
    var path: String { file.path }

    /// Why writing failed, if it did (a full disk): the records after the failure are missing.
    public var failure: String? { lock.withLock { writeFailure } }

    private func flushLocked() {
        guard !buffer.isEmpty else { return }
        let written = buffer.withUnsafeBytes { fwrite($0.baseAddress, 1, $0.count, file.writer) }
        if written == buffer.count, fflush(file.writer) == 0 {
            flushedBytes += written
        } else if writeFailure == nil {
            writeFailure = "writing \(file.path) failed: \(String(cString: strerror(errno)))"
        }
        buffer.removeAll(keepingCapacity: true)
    }
}

/// The records of a `RequestLog` up to a moment: a sequence read from its file, once per iteration.
public struct LoggedRecords: Sequence, Sendable {
    fileprivate let file: SpillFile
    fileprivate let length: Int
    /// How many records the sequence yields.
    public let count: Int

    public func makeIterator() -> Iterator { Iterator(path: file.path, length: length, owner: file) }

    /// Reads the file in 64 KiB blocks and decodes one record at a time.
    public struct Iterator: IteratorProtocol {
        private let owner: SpillFile
        private var handle: UnsafeMutablePointer<FILE>?
        private var remaining: Int
        private var block: [UInt8] = []
        private var position = 0

        fileprivate init(path: String, length: Int, owner: SpillFile) {
            self.owner = owner
            remaining = length
            handle = length > 0 ? fopen(path, "rb") : nil
        }

        public mutating func next() -> RequestRecord? {
            if block.count - position < RecordCoding.lengthPrefix || !hasWholeRecord() {
                refill()
            }
            guard hasWholeRecord() else { close(); return nil }
            return block.withUnsafeBytes { bytes in
                var cursor = position
                let record = RecordCoding.decode(bytes, at: &cursor)
                position = cursor
                return record
            }
        }

        private func hasWholeRecord() -> Bool {
            guard block.count - position >= RecordCoding.lengthPrefix else { return false }
            let length = block.withUnsafeBytes { RecordCoding.recordLength($0, at: position) }
            return block.count - position >= length
        }

        private mutating func refill() {
            guard let handle, remaining > 0 else { return }
            block.removeFirst(position)
            position = 0
            var wanted = Swift.min(remaining, 64 * 1024)
            if block.count >= RecordCoding.lengthPrefix {
                // A record longer than a block (a long connection message) is read whole.
                let whole = block.withUnsafeBytes { RecordCoding.recordLength($0, at: 0) }
                wanted = Swift.max(wanted, Swift.min(remaining, whole - block.count))
            }
            let filled = block.count
            block.append(contentsOf: repeatElement(0, count: wanted))
            let read = block.withUnsafeMutableBytes { fread($0.baseAddress?.advanced(by: filled), 1, wanted, handle) }
            block.removeLast(wanted - read)
            remaining -= read
            if read < wanted { remaining = 0 }
        }

        private mutating func close() {
            if let handle { fclose(handle) }
            handle = nil
        }
    }
}

/// The spill file: its writer stays open for the log's life; the file goes with the last reference.
private final class SpillFile: @unchecked Sendable {
    let path: String
    let writer: UnsafeMutablePointer<FILE>

    init(path: String, writer: UnsafeMutablePointer<FILE>) {
        self.path = path
        self.writer = writer
    }

    deinit {
        fclose(writer)
        unlink(path)
    }
}

/// The binary form of a record: a length, then fixed-width fields and length-prefixed UTF-8 strings,
/// little-endian. Only `RequestLog` writes and reads it, within one process.
enum RecordCoding {
    static let lengthPrefix = 4
    private static let none = UInt32.max

    static func encode(_ record: RequestRecord, into bytes: inout [UInt8]) {
        let start = bytes.count
        // The fixed-width fields in one append (they were one append each: a tenth of the load
        // generator's own CPU per request went to writing records).
        var kind: UInt8 = 3
        var code: UInt32?
        switch record.outcome {
        case .status(let status): (kind, code) = (0, UInt32(truncatingIfNeeded: status))
        case .timeout: kind = 1
        case .connection: kind = 2
        case .overload: kind = 3
        case .foreign(let status, _): (kind, code) = (4, UInt32(truncatingIfNeeded: status))
        }
        let fixed = 37 + (code == nil ? 0 : 4)
        withUnsafeTemporaryAllocation(byteCount: 41, alignment: 8) { raw in
            raw.storeBytes(of: UInt32(0), toByteOffset: 0, as: UInt32.self) // length, patched below
            raw.storeBytes(of: UInt64(bitPattern: Int64(record.sequence)).littleEndian, toByteOffset: 4, as: UInt64.self)
            raw.storeBytes(of: record.intended.bitPattern.littleEndian, toByteOffset: 12, as: UInt64.self)
            raw.storeBytes(of: record.start.bitPattern.littleEndian, toByteOffset: 20, as: UInt64.self)
            raw.storeBytes(of: record.end.bitPattern.littleEndian, toByteOffset: 28, as: UInt64.self)
            raw.storeBytes(of: kind, toByteOffset: 36, as: UInt8.self)
            if let code { raw.storeBytes(of: code.littleEndian, toByteOffset: 37, as: UInt32.self) }
            bytes.append(contentsOf: UnsafeRawBufferPointer(rebasing: raw[0..<fixed]))
        }
        if case .connection(let text) = record.outcome { put(text, &bytes) }
        if case .foreign(_, let owner) = record.outcome { put(owner, &bytes) }
        put(record.operation.rawValue, &bytes)
        put(record.servedBy, &bytes)
        put(record.version, &bytes)
        put(record.idempotencyKey, &bytes)
        put(record.session, &bytes)
        let length = UInt32(bytes.count - start).littleEndian
        withUnsafeBytes(of: length) { raw in
            for index in 0..<4 { bytes[start + index] = raw[index] }
        }
    }

    /// The whole length of the record at `offset` (its prefix included).
    static func recordLength(_ bytes: UnsafeRawBufferPointer, at offset: Int) -> Int {
        Int(UInt32(littleEndian: bytes.loadUnaligned(fromByteOffset: offset, as: UInt32.self)))
    }

    /// Decodes the record at `offset` and moves `offset` past it.
    static func decode(_ bytes: UnsafeRawBufferPointer, at offset: inout Int) -> RequestRecord {
        let end = offset + recordLength(bytes, at: offset)
        var cursor = offset + lengthPrefix
        func take<T: FixedWidthInteger>(_: T.Type) -> T {
            defer { cursor += MemoryLayout<T>.size }
            return T(littleEndian: bytes.loadUnaligned(fromByteOffset: cursor, as: T.self))
        }
        func string() -> String? {
            let length = take(UInt32.self)
            guard length != none else { return nil }
            defer { cursor += Int(length) }
            return String(decoding: UnsafeRawBufferPointer(rebasing: bytes[cursor..<(cursor + Int(length))]), as: UTF8.self)
        }
        let sequence = Int(Int64(bitPattern: take(UInt64.self)))
        let intended = Double(bitPattern: take(UInt64.self))
        let start = Double(bitPattern: take(UInt64.self))
        let finish = Double(bitPattern: take(UInt64.self))
        let kind = take(UInt8.self)
        let outcome: RequestOutcome
        switch kind {
        case 0: outcome = .status(Int(Int32(bitPattern: take(UInt32.self))))
        case 1: outcome = .timeout
        case 2: outcome = .connection(string() ?? "")
        case 4:
            let status = Int(Int32(bitPattern: take(UInt32.self)))
            outcome = .foreign(status: status, owner: string() ?? "")
        default: outcome = .overload
        }
        let operation = LoadOperation(string() ?? "")
        let servedBy = string()
        let version = string()
        let key = string()
        let session = string()
        offset = end
        return RequestRecord(sequence: sequence, operation: operation, intended: intended, start: start, end: finish,
                             outcome: outcome, servedBy: servedBy, version: version, idempotencyKey: key, session: session)
    }

    private static func put<T: FixedWidthInteger>(_ value: T, _ bytes: inout [UInt8]) {
        withUnsafeBytes(of: value.littleEndian) { bytes.append(contentsOf: $0) }
    }

    private static func put(_ text: String?, _ bytes: inout [UInt8]) {
        guard var utf8Text = text else { return put(none, &bytes) }
        utf8Text.withUTF8 { utf8 in
            put(UInt32(utf8.count), &bytes)
            bytes.append(contentsOf: utf8)
        }
    }
}
