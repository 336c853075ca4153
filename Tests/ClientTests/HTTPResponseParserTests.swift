import Foundation
import Testing
@testable import HTTPClient

/// The plain engine's response parser as a pure state machine: every framing, every split of the
/// bytes, every limit — without a socket.
@Suite("HTTPResponseParser")
struct HTTPResponseParserTests {
    /// Parses `text` delivered in pieces cut at `cuts`, as the event loop does (unused bytes handed back
    /// in front of the next piece); `ended` when the connection closes after the last byte.
    static func parse(_ text: String, cuts: [Int] = [], head: Bool = false, ended: Bool = false,
                      limits: HTTPResponseParser.Limits = .init(),
                      kept: [String]? = nil) throws(HTTPResponseParser.Failure) -> (HTTPResponseParser, leftover: Int) {
        var parser = HTTPResponseParser(headRequest: head, limits: limits, keptFields: kept)
        let bytes = Array(text.utf8)
        var carry: [UInt8] = []
        var start = 0
        for end in cuts.filter({ $0 > 0 && $0 < bytes.count }) + [bytes.count] where end >= start {
            let piece = carry + bytes[start..<end]
            start = end
            let outcome = piece.withUnsafeBytes { raw in
                Result { () throws(HTTPResponseParser.Failure) -> Int in try parser.consume(raw) }
            }
            let used = try outcome.get()
            carry = Array(piece[used...])
            if parser.isComplete { return (parser, carry.count + bytes.count - start) }
        }
        if ended { try parser.endOfInput() }
        return (parser, carry.count)
    }

    static let chunked = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nX-Served-By: pod-a\r\n\r\n"
        + "5\r\nhello\r\n7;ext=1\r\n, world\r\n0\r\nX-Checksum: abc\r\n\r\n"

    @Test func contentLengthBodyAndHeadersInAnyCase() throws {
        let (parser, leftover) = try Self.parse("HTTP/1.1 200 OK\r\nContent-Length: 5\r\nx-app-VERSION: v9\r\nSet-Cookie: a\r\nSet-Cookie: b\r\n\r\nhello")
        #expect(parser.isComplete && leftover == 0)
        #expect(parser.status == 200 && parser.keepAlive)
        #expect(String(decoding: parser.body, as: UTF8.self) == "hello")
        #expect(parser.headers["X-App-Version"] == "v9")
        #expect(parser.headers.values("set-cookie") == ["a", "b"])
    }

    @Test func everySplitOfEveryFramingGivesTheSameAnswer() throws {
        let cases: [(text: String, body: String, ended: Bool)] = [
            ("HTTP/1.1 201 Created\r\nContent-Length: 11\r\n\r\nhello world", "hello world", false),
            (Self.chunked, "hello, world", false),
            ("HTTP/1.1 200 OK\r\nConnection: close\r\n\r\nto the end", "to the end", true),
            ("HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nLink: </a>\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok", "ok", false),
            ("HTTP/1.1 200 OK\nContent-Length: 3\n\nbare", "bar", false),
        ]
        for (text, body, ended) in cases {
            for cut in 0...text.utf8.count {
                for second in [cut + 1, cut + 7] {
                    let (parser, _) = try Self.parse(text, cuts: [cut, second], ended: ended)
                    #expect(parser.isComplete, "cut at \(cut), \(second): \(text.debugDescription)")
                    #expect(String(decoding: parser.body, as: UTF8.self) == body, "cut at \(cut), \(second)")
                }
            }
        }
    }

    @Test func chunkedBodiesKeepTheirTrailers() throws {
        let (parser, leftover) = try Self.parse(Self.chunked)
        #expect(leftover == 0 && parser.keepAlive)
        #expect(parser.headers["x-served-by"] == "pod-a")
        #expect(parser.headers["X-Checksum"] == "abc")
    }

    @Test func answersWithoutABody() throws {
        // HEAD: the Content-Length describes the GET's body, none follows.
        let head = try Self.parse("HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n", head: true)
        #expect(head.0.isComplete && head.0.body.isEmpty && head.0.keepAlive)
        for status in [204, 304] {
            let (parser, leftover) = try Self.parse("HTTP/1.1 \(status) Nothing\r\nContent-Length: 0\r\n\r\n")
            #expect(parser.isComplete && parser.status == status && leftover == 0)
        }
        // Bytes after a complete answer are left for the caller (which then does not reuse the connection).
        #expect(try Self.parse("HTTP/1.1 204 No Content\r\n\r\nextra").leftover == 5)
    }

    @Test func whetherTheConnectionMayBeReused() throws {
        #expect(try !Self.parse("HTTP/1.1 200 OK\r\nConnection: Close\r\nContent-Length: 0\r\n\r\n").0.keepAlive)
        #expect(try !Self.parse("HTTP/1.0 200 OK\r\nContent-Length: 0\r\n\r\n").0.keepAlive)
        #expect(try Self.parse("HTTP/1.0 200 OK\r\nConnection: keep-alive\r\nContent-Length: 0\r\n\r\n").0.keepAlive)
        #expect(try !Self.parse("HTTP/1.1 200 OK\r\n\r\nbody", ended: true).0.keepAlive, "a body that runs to the close")
        // Transfer-Encoding beside Content-Length: chunked wins and the connection is not reused (RFC 9112 §6.3).
        let both = try Self.parse("HTTP/1.1 200 OK\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nok\r\n0\r\n\r\n")
        #expect(both.0.isComplete && !both.0.keepAlive && String(decoding: both.0.body, as: UTF8.self) == "ok")
    }

    @Test func foldedFieldsAreJoinedWithASpace() throws {
        let (parser, _) = try Self.parse("HTTP/1.1 200 OK\r\nX-Long: one\r\n  two\r\n\ttwo-and-a-half\r\nContent-Length: 0\r\n\r\n")
        #expect(parser.headers["X-Long"] == "one two two-and-a-half")
    }

    @Test func onlyTheKeptFieldsAreKeptButTheFramingIsAlwaysRead() throws {
        let text = "HTTP/1.1 200 OK\r\nDate: today\r\n  and tomorrow\r\nX-Served-By: pod-a\r\nX-Bad: \u{1B}\r\n"
            + "Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n2\r\nok\r\n0\r\nx-served-by: trailer\r\n\r\n"
        let (parser, _) = try Self.parse(text, kept: ["x-SERVED-by"])
        #expect(parser.headers.fields.map(\.value) == ["pod-a", "trailer"])
        #expect(String(decoding: parser.body, as: UTF8.self) == "ok" && !parser.keepAlive)
        #expect(try Self.parse("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok", kept: []).0.headers.fields.isEmpty)
        // A field dropped is not checked (it is never read); a framing field always is.
        #expect(throws: HTTPResponseParser.Failure.self) { try Self.parse("HTTP/1.1 200 OK\r\nContent-Length: \u{1B}2\r\n\r\nok", kept: []) }
    }

    @Test func theEndOfTheConnection() throws {
        var silent = HTTPResponseParser(headRequest: false)
        do {
            try silent.endOfInput()
            Issue.record("no answer at all must fail")
        } catch {
            #expect(error.kind == .noAnswer)
        }
        do {
            _ = try Self.parse("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nhalf", ended: true)
            Issue.record("a body shorter than its Content-Length must fail")
        } catch {
            #expect(error.kind == .truncated)
            #expect(error.reason.contains("closed the connection after"))
        }
        // A partial status line is an answer begun, not a stale connection (a retry could send a write twice).
        do {
            _ = try Self.parse("HTTP/1.", ended: true)
            Issue.record("expected a failure")
        } catch {
            #expect(error.kind == .truncated)
        }
    }

    @Test func malformedAnswersAreRefusedWithoutQuotingThem() throws {
        let secret = "s3cr3t-token"
        let cases: [(String, String)] = [
            ("SSH-2.0-OpenSSH_9.2\r\n", "not HTTP/1.x"),
            ("HTTP/2 200\r\n\r\n", "not HTTP/1.x"),
            ("HTTP/1.1 2x0 OK\r\n\r\n", "not HTTP/1.x"),
            ("HTTP/1.1 099 Low\r\n\r\n", "below 100"),
            ("HTTP/1.1 101 Switching Protocols\r\nUpgrade: h2c\r\n\r\n", "switched protocols"),
            ("HTTP/1.1 200 OK\r\nno colon \(secret)\r\n\r\n", "without a field name"),
            ("HTTP/1.1 200 OK\r\nBad Name: \(secret)\r\n\r\n", "not a token"),
            ("HTTP/1.1 200 OK\r\nX-Token: \(secret)\u{1B}[31m\r\n\r\n", "control character"),
            ("HTTP/1.1 200 OK\r\n  folded first\r\n\r\n", "continuation line"),
            ("HTTP/1.1 200 OK\r\nContent-Length: 1\r\n 2\r\n\r\n", "folds a Content-Length"),
            ("HTTP/1.1 200 OK\r\nContent-Length:\r\n\r\n", "not a number"),
            ("HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n", "not a number"),
            ("HTTP/1.1 200 OK\r\nContent-Length: 1e3\r\n\r\n", "not a number"),
            ("HTTP/1.1 200 OK\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\n", "two different"),
            ("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", "hexadecimal"),
            ("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nokX\r\n", "longer than its declared size"),
        ]
        for (text, expected) in cases {
            do {
                _ = try Self.parse(text)
                Issue.record("expected a failure for \(text.debugDescription)")
            } catch {
                #expect(error.kind == .malformed, "\(text.debugDescription)")
                #expect(error.reason.contains(expected), "\(text.debugDescription): \(error.reason)")
                #expect(!error.reason.contains(secret))
            }
        }
        // The same Content-Length twice (or as a list of equal values) is one length.
        #expect(try Self.parse("HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Length: 2, 2\r\n\r\nok").0.isComplete)
    }

    @Test func limitsBoundWhatAHostileServerCanMakeItHold() {
        let small = HTTPResponseParser.Limits(headBytes: 1024, bodyBytes: 4096, chunkLineBytes: 64)
        let cases: [(String, String)] = [
            // Fields past the limit, whether or not the line has ended yet.
            ("HTTP/1.1 200 OK\r\nX-Big: " + String(repeating: "a", count: 2000) + "\r\n\r\n", "header fields over 1 KiB"),
            ("HTTP/1.1 200 OK\r\nX-Big: " + String(repeating: "a", count: 2000), "header fields over 1 KiB"),
            ("HTTP/1.1 200 OK\r\n" + String(repeating: "X-A: b\r\n", count: 200), "header fields over 1 KiB"),
            // Endless interim answers count against the same limit.
            (String(repeating: "HTTP/1.1 100 Continue\r\n\r\n", count: 100), "header fields over 1 KiB"),
            ("HTTP/1.1 200 OK\r\nContent-Length: 5000\r\n\r\n", "body over 4 KiB (5000 bytes declared)"),
            ("HTTP/1.1 200 OK\r\nContent-Length: 99999999999999999999\r\n\r\n", "not a number"),
            ("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n1000\r\n" + String(repeating: "a", count: 4096) + "\r\n1\r\n", "body over"),
            ("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nfffffffffffffffff\r\n", "body over"),
            ("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n1;" + String(repeating: "x", count: 100), "chunk-size line over 64 bytes"),
            ("HTTP/1.1 200 OK\r\n\r\n" + String(repeating: "a", count: 5000), "body over"),
            ("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n" + String(repeating: "X-T: v\r\n", count: 200), "header fields over"),
        ]
        for (text, expected) in cases {
            for cuts in [[], [text.utf8.count / 3, text.utf8.count / 2]] {
                do {
                    _ = try Self.parse(text, cuts: cuts, limits: small)
                    Issue.record("expected a failure for \(text.prefix(60).debugDescription)")
                } catch {
                    #expect(error.reason.contains(expected), "\(text.prefix(60).debugDescription): \(error.reason)")
                }
            }
        }
    }
}
