import Foundation

/// Reads one HTTP/1.x response from bytes as they arrive, however they are split: a pure state
/// machine, tested without sockets (`PlainHTTPClient` feeds it what each `read` returns).
///
/// It handles the status line, header fields (kept in order, looked up without regard to case),
/// bodies framed by `Content-Length`, by `Transfer-Encoding: chunked` (trailer fields are added to
/// the headers, as libcurl reports them) or by the end of the connection; interim 1xx answers are
/// skipped; a response to HEAD, a 204 and a 304 have no body. A hostile server cannot make it use
/// unbounded memory: the status line and fields of an answer (interim answers and trailers
/// included) are at most `Limits.headBytes`, the body at most `Limits.bodyBytes`, a chunk-size line
/// at most `Limits.chunkLineBytes`; past a limit, or on bytes that are not HTTP, it throws a
/// `HTTPResponseParser.Failure` whose reason never quotes the server's bytes (a header value may be
/// a credential echoed back).
struct HTTPResponseParser {
    struct Limits: Sendable {
        var headBytes = 64 * 1024
        var bodyBytes = 16 * 1024 * 1024
        var chunkLineBytes = 4 * 1024
    }

    /// Why a response could not be read: `reason` completes "the answer …".
    struct Failure: Error, Equatable {
        enum Kind: Equatable {
            /// The connection ended before the first byte of an answer (a kept-alive connection the server had closed).
            case noAnswer
            /// The connection ended in the middle of the answer.
            case truncated
            /// Bytes that are not an HTTP/1.x answer.
            case malformed
            /// Over one of the `Limits`.
            case tooLarge
        }
        var kind: Kind
        var reason: String
    }

    private enum State {
        case statusLine
        case fields
        case body(remaining: Int)
        case chunkSize
        case chunkData(remaining: Int)
        case chunkDataEnd
        case trailers
        case untilClose
        case complete
    }

    let limits: Limits
    /// The request was a HEAD: whatever the headers say, no body follows.
    private(set) var headRequest: Bool
    /// The only fields to keep, lowercased (`HTTPClientConfiguration.keptResponseHeaders`); nil keeps all.
    /// The framing fields are read whether kept or not.
    let keptFields: [[UInt8]]?

    private var state = State.statusLine
    private(set) var status = 0
    private var fields: [(name: String, value: String)] = []
    private(set) var body = Data()
    /// Whether the connection may carry another request after this answer.
    private(set) var keepAlive = true
    /// Bytes of the answer read so far (a line not yet complete is not counted).
    private(set) var bytesSeen = 0
    /// Whether any byte of the answer arrived (then a retry could send the request twice).
    private(set) var started = false
    private var headBytes = 0
    private var http10 = false
    // What the fields of the final answer say about its framing, read from the bytes as they come.
    private var contentLength: Int?
    private var encoded = false
    private var chunked = false
    private var closeAsked = false
    private var keepAliveAsked = false
    /// The last field read is one of those: a continuation line must not change it after the fact.
    private var lastFieldFrames = false
    /// The last field read was not kept: its continuation lines are dropped with it.
    private var lastFieldDropped = false

    init(headRequest: Bool, limits: Limits = Limits(), keptFields: [String]? = nil) {
        self.headRequest = headRequest
        self.limits = limits
        self.keptFields = keptFields?.map { Array($0.lowercased().utf8) }
    }

    /// Starts over for the answer to the next request (the connection's parser is reused, not remade).
    mutating func reset(headRequest: Bool) {
        self.headRequest = headRequest
        state = .statusLine
        status = 0
        fields.removeAll()
        body = Data()
        keepAlive = true
        (bytesSeen, headBytes, started, http10) = (0, 0, false, false)
        contentLength = nil
        (encoded, chunked, closeAsked, keepAliveAsked, lastFieldFrames, lastFieldDropped) = (false, false, false, false, false, false)
    }

    /// Hands over the fields and the body of a complete answer without copying them (the parser keeps none).
    mutating func takeAnswer() -> (headers: HTTPHeaders, body: Data) {
        var taken: [(name: String, value: String)] = []
        swap(&taken, &fields)
        var data = Data()
        swap(&data, &body)
        return (HTTPHeaders(fields: taken), data)
    }

    /// The whole answer has been read.
    var isComplete: Bool {
        if case .complete = state { return true }
        return false
    }

    /// The header fields (and trailer fields) read so far.
    var headers: HTTPHeaders { HTTPHeaders(fields: fields) }

    /// Reads what it can of `bytes` and returns how many it used. Bytes it did not use are the start of a
    /// line not yet complete (hand them back, followed by more, in the next call) or, once `isComplete`,
    /// bytes after the answer.
    mutating func consume(_ bytes: UnsafeRawBufferPointer) throws(Failure) -> Int {
        var offset = 0
        let count = bytes.count
        if count > 0 { started = true }
        while offset < count {
            switch state {
            case .complete:
                bytesSeen += offset
                return offset
            case .statusLine, .fields, .trailers, .chunkSize:
                guard let lineEnd = Self.newline(in: bytes, from: offset) else {
                    try checkPartialLine(count - offset)
                    bytesSeen += offset
                    return offset
                }
                var end = lineEnd
                if end > offset, bytes[end - 1] == 0x0D { end -= 1 }
                let line = UnsafeRawBufferPointer(rebasing: bytes[offset..<end])
                let length = lineEnd + 1 - offset
                offset = lineEnd + 1
                try takeLine(line, length: length)
            case .body(let remaining):
                let take = min(remaining, count - offset)
                body.append(contentsOf: UnsafeRawBufferPointer(rebasing: bytes[offset..<(offset + take)]))
                offset += take
                state = take == remaining ? .complete : .body(remaining: remaining - take)
            case .chunkData(let remaining):
                let take = min(remaining, count - offset)
                body.append(contentsOf: UnsafeRawBufferPointer(rebasing: bytes[offset..<(offset + take)]))
                offset += take
                state = take == remaining ? .chunkDataEnd : .chunkData(remaining: remaining - take)
            case .chunkDataEnd:
                // CRLF (or a bare LF) after the chunk's data.
                if bytes[offset] == 0x0D {
                    guard offset + 1 < count else {
                        bytesSeen += offset
                        return offset
                    }
                    offset += 1
                }
                guard bytes[offset] == 0x0A else {
                    throw Failure(kind: .malformed, reason: "has a chunk longer than its declared size")
                }
                offset += 1
                state = .chunkSize
            case .untilClose:
                let take = count - offset
                guard body.count + take <= limits.bodyBytes else { throw bodyTooLarge() }
                body.append(contentsOf: UnsafeRawBufferPointer(rebasing: bytes[offset..<count]))
                offset = count
            }
        }
        bytesSeen += offset
        return offset
    }

    /// The connection ended: whether the answer is whole (a body that runs to the close, or an answer
    /// already complete). Throws when the end cut the answer short.
    mutating func endOfInput() throws(Failure) {
        switch state {
        case .complete: return
        case .untilClose: state = .complete
        case .statusLine where !started:
            throw Failure(kind: .noAnswer, reason: "never came: the server closed the connection without answering")
        default:
            throw Failure(kind: .truncated, reason: "was cut short: the server closed the connection after \(bytesSeen) bytes of it")
        }
    }

    // MARK: Lines

    private static func newline(in bytes: UnsafeRawBufferPointer, from offset: Int) -> Int? {
        guard let base = bytes.baseAddress, offset < bytes.count,
              let found = memchr(base + offset, 0x0A, bytes.count - offset) else { return nil }
        return base.distance(to: UnsafeRawPointer(found))
    }

    /// A line without its end yet: refuse it once it cannot fit the limit any more.
    private func checkPartialLine(_ length: Int) throws(Failure) {
        if case .chunkSize = state {
            if length > limits.chunkLineBytes {
                throw Failure(kind: .tooLarge, reason: "has a chunk-size line over \(Self.size(limits.chunkLineBytes))")
            }
        } else if headBytes + length > limits.headBytes {
            throw headTooLarge()
        }
    }

    private mutating func takeLine(_ line: UnsafeRawBufferPointer, length: Int) throws(Failure) {
        switch state {
        case .chunkSize:
            guard length <= limits.chunkLineBytes else {
                throw Failure(kind: .tooLarge, reason: "has a chunk-size line over \(Self.size(limits.chunkLineBytes))")
            }
            try takeChunkSize(line)
            return
        default:
            break
        }
        headBytes += length
        guard headBytes <= limits.headBytes else { throw headTooLarge() }
        switch state {
        case .statusLine:
            // Tolerate empty lines before the status line (RFC 9112 §2.2).
            if line.isEmpty { return }
            try takeStatusLine(line)
            state = .fields
        case .fields:
            if line.isEmpty { try endOfHead() } else { try takeField(line, framing: true) }
        case .trailers:
            if line.isEmpty { state = .complete } else { try takeField(line, framing: false) }
        default:
            break
        }
    }

    /// `HTTP/1.1 200 OK`: the version (1.0 or 1.1) and a three-digit code; the reason is ignored.
    private mutating func takeStatusLine(_ line: UnsafeRawBufferPointer) throws(Failure) {
        guard line.count >= 12, line[0] == 0x48, line[1] == 0x54, line[2] == 0x54, line[3] == 0x50, line[4] == 0x2F,
              line[5] == 0x31, line[6] == 0x2E, line[7] == 0x30 || line[7] == 0x31, line[8] == 0x20,
              Self.isDigit(line[9]), Self.isDigit(line[10]), Self.isDigit(line[11]),
              line.count == 12 || line[12] == 0x20 else {
            throw Failure(kind: .malformed, reason: "is not HTTP/1.x (its first line is not a status line such as 'HTTP/1.1 200 OK')")
        }
        let code = Int(line[9] - 0x30) * 100 + Int(line[10] - 0x30) * 10 + Int(line[11] - 0x30)
        guard code >= 100 else { throw Failure(kind: .malformed, reason: "has the status code \(code), below 100") }
        status = code
        http10 = line[7] == 0x30
    }

    /// `Name: value`; a line starting with a space or tab continues the previous field (obsolete
    /// folding, replaced by a space as RFC 9112 §5.2 asks). The fields that frame the body
    /// (`Content-Length`, `Transfer-Encoding`, `Connection`) are read from the bytes here, with `framing`.
    private mutating func takeField(_ line: UnsafeRawBufferPointer, framing: Bool) throws(Failure) {
        if line[0] == 0x20 || line[0] == 0x09 {
            guard !lastFieldFrames else {
                throw Failure(kind: .malformed, reason: "folds a Content-Length, Transfer-Encoding or Connection field over two lines")
            }
            if lastFieldDropped { return }
            guard !fields.isEmpty else { throw Failure(kind: .malformed, reason: "starts its header with a continuation line") }
            try Self.checkValue(line)
            let value = Self.trimmed(line)
            if !value.isEmpty { fields[fields.count - 1].value += " " + String(decoding: value, as: UTF8.self) }
            return
        }
        guard let colon = line.firstIndex(of: 0x3A), colon > 0 else {
            throw Failure(kind: .malformed, reason: "has a header line without a field name and colon")
        }
        let name = UnsafeRawBufferPointer(rebasing: line[0..<colon])
        guard name.allSatisfy(HTTPHeaders.isTokenByte) else {
            throw Failure(kind: .malformed, reason: "has a header field name that is not a token (a space, a control character or a separator in it)")
        }
        let rawValue = UnsafeRawBufferPointer(rebasing: line[(colon + 1)...])
        let value = Self.trimmed(rawValue)
        lastFieldFrames = false
        if framing { try takeFraming(name, value) }
        lastFieldDropped = keptFields.map { kept in !kept.contains { Self.sameLowercase(name, $0) } } ?? false
        if lastFieldDropped && !lastFieldFrames { return }
        try Self.checkValue(rawValue)
        if lastFieldDropped { return }
        if fields.isEmpty { fields.reserveCapacity(8) }
        fields.append((name: String(decoding: name, as: UTF8.self), value: String(decoding: value, as: UTF8.self)))
    }

    private mutating func takeFraming(_ name: UnsafeRawBufferPointer, _ value: UnsafeRawBufferPointer) throws(Failure) {
        // Most fields are none of the three: their length says so without a comparison.
        guard name.count == 14 || name.count == 17 || name.count == 10 else { return }
        if Self.sameLowercase(name, "content-length") {
            lastFieldFrames = true
            // `3` or, from some proxies, `3, 3`: every item the same number.
            var length = contentLength
            try Self.forEachItem(value) { (item) throws(Failure) in
                guard let number = Self.decimal(item) else {
                    throw Failure(kind: .malformed, reason: "has a Content-Length that is not a number of bytes")
                }
                if let length, length != number { throw Failure(kind: .malformed, reason: "has two different Content-Length values") }
                length = number
            }
            guard length != nil else { throw Failure(kind: .malformed, reason: "has a Content-Length that is not a number of bytes") }
            contentLength = length
        } else if Self.sameLowercase(name, "transfer-encoding") {
            lastFieldFrames = true
            encoded = true
            // Chunked only when it is the last coding (of the last Transfer-Encoding field).
            var last = false
            Self.forEachItem(value) { item in last = Self.sameLowercase(item, "chunked") }
            chunked = last
        } else if Self.sameLowercase(name, "connection") {
            lastFieldFrames = true
            Self.forEachItem(value) { item in
                if Self.sameLowercase(item, "close") { closeAsked = true }
                if Self.sameLowercase(item, "keep-alive") { keepAliveAsked = true }
            }
        }
    }

    /// The blank line after the fields: an interim answer starts over; a final one says how its body is framed.
    private mutating func endOfHead() throws(Failure) {
        if status < 200 {
            guard status != 101 else {
                throw Failure(kind: .malformed, reason: "switched protocols (101), which was never asked for")
            }
            // 100 Continue, 102 Processing, 103 Early Hints: the real answer follows.
            fields.removeAll(keepingCapacity: true)
            status = 0
            contentLength = nil
            (encoded, chunked, closeAsked, keepAliveAsked) = (false, false, false, false)
            state = .statusLine
            return
        }
        let length = contentLength
        keepAlive = !closeAsked && (!http10 || keepAliveAsked)
        if headRequest || status == 204 || status == 304 {
            state = .complete
        } else if encoded {
            // RFC 9112 §6.3: Transfer-Encoding overrides Content-Length (and the connection is not reused
            // after such a message); without chunked last, the body runs to the close.
            if length != nil { keepAlive = false }
            state = chunked ? .chunkSize : .untilClose
        } else if let length {
            guard length <= limits.bodyBytes else { throw bodyTooLarge(declared: length) }
            if length == 0 {
                state = .complete
            } else {
                body.reserveCapacity(length)
                state = .body(remaining: length)
            }
        } else {
            keepAlive = false
            state = .untilClose
        }
    }

    /// `1a2b;name=value`: hexadecimal size, extensions ignored. Size 0 ends the body; trailers follow.
    private mutating func takeChunkSize(_ line: UnsafeRawBufferPointer) throws(Failure) {
        var size = 0
        var digits = 0
        var index = 0
        while index < line.count, let digit = Self.hexValue(line[index]) {
            guard digits < 15 else { throw bodyTooLarge() }
            size = size * 16 + digit
            digits += 1
            index += 1
        }
        while index < line.count, line[index] == 0x20 || line[index] == 0x09 { index += 1 }
        guard digits > 0, index == line.count || line[index] == 0x3B else {
            throw Failure(kind: .malformed, reason: "has a chunk-size line that is not a hexadecimal size")
        }
        if size == 0 {
            state = .trailers
            return
        }
        guard body.count + size <= limits.bodyBytes else { throw bodyTooLarge() }
        state = .chunkData(remaining: size)
    }

    // MARK: Helpers

    private func headTooLarge() -> Failure {
        Failure(kind: .tooLarge, reason: "has a status line and header fields over \(Self.size(limits.headBytes))")
    }

    private func bodyTooLarge(declared: Int? = nil) -> Failure {
        let size = declared.map { " (\($0) bytes declared)" } ?? ""
        return Failure(kind: .tooLarge, reason: "has a body over \(Self.size(limits.bodyBytes))\(size)")
    }

    /// `16 MiB`, `64 KiB`, `100 bytes`.
    private static func size(_ bytes: Int) -> String {
        if bytes >= 1 << 20, bytes % (1 << 20) == 0 { return "\(bytes >> 20) MiB" }
        if bytes >= 1 << 10, bytes % (1 << 10) == 0 { return "\(bytes >> 10) KiB" }
        return "\(bytes) bytes"
    }

    /// A field value holds no control character but tab (a NUL or a bare CR would cut or split it).
    private static func checkValue(_ value: UnsafeRawBufferPointer) throws(Failure) {
        for byte in value where (byte < 0x20 && byte != 0x09) || byte == 0x7F {
            throw Failure(kind: .malformed, reason: "has a header field value with a control character in it")
        }
    }

    private static func isSpace(_ byte: UInt8) -> Bool { byte == 0x20 || byte == 0x09 }

    private static func isDigit(_ byte: UInt8) -> Bool { byte >= 0x30 && byte <= 0x39 }

    private static func trimmed(_ bytes: UnsafeRawBufferPointer) -> UnsafeRawBufferPointer {
        var start = 0
        var end = bytes.count
        while start < end, isSpace(bytes[start]) { start += 1 }
        while end > start, isSpace(bytes[end - 1]) { end -= 1 }
        return UnsafeRawBufferPointer(rebasing: bytes[start..<end])
    }

    /// Calls `body` with each comma-separated item of a field value, trimmed (empty items included).
    private static func forEachItem<E: Error>(_ value: UnsafeRawBufferPointer,
                                              _ body: (UnsafeRawBufferPointer) throws(E) -> Void) throws(E) {
        var start = 0
        while start <= value.count {
            var end = start
            while end < value.count, value[end] != 0x2C { end += 1 }
            try body(trimmed(UnsafeRawBufferPointer(rebasing: value[start..<end])))
            start = end + 1
        }
    }

    /// A decimal number of at most 15 digits (so it cannot overflow), or nil.
    private static func decimal<Bytes: Collection<UInt8>>(_ bytes: Bytes) -> Int? {
        guard !bytes.isEmpty, bytes.count <= 15 else { return nil }
        var value = 0
        for byte in bytes {
            guard isDigit(byte) else { return nil }
            value = value * 10 + Int(byte - 0x30)
        }
        return value
    }

    private static func hexValue(_ byte: UInt8) -> Int? {
        switch byte {
        case 0x30...0x39: return Int(byte - 0x30)
        case 0x41...0x46: return Int(byte - 0x41 + 10)
        case 0x61...0x66: return Int(byte - 0x61 + 10)
        default: return nil
        }
    }

    /// Whether ASCII `bytes` equal the lowercase `word` without regard to case.
    private static func sameLowercase(_ bytes: UnsafeRawBufferPointer, _ word: [UInt8]) -> Bool {
        guard bytes.count == word.count else { return false }
        for index in 0..<word.count {
            let byte = bytes[index]
            guard (byte >= 0x41 && byte <= 0x5A ? byte | 0x20 : byte) == word[index] else { return false }
        }
        return true
    }

    /// Whether ASCII `bytes` equal the lowercase `word` without regard to case.
    private static func sameLowercase<Bytes: Collection<UInt8>>(_ bytes: Bytes, _ word: StaticString) -> Bool {
        guard bytes.count == word.utf8CodeUnitCount else { return false }
        var index = 0
        for byte in bytes {
            let lowered = byte >= 0x41 && byte <= 0x5A ? byte | 0x20 : byte
            guard lowered == word.utf8Start[index] else { return false }
            index += 1
        }
        return true
    }
}
