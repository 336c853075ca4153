import Foundation
import HTTPClient
import KubernetesClient
import LabrunCore
import Testing

@Suite("Watch line decoding and line splitting")
struct WatchDecodingTests {
    let podAdded = #"{"type":"ADDED","object":{"kind":"Pod","apiVersion":"v1","metadata":{"name":"web-0","namespace":"todo","resourceVersion":"101","uid":"u1"},"status":{"phase":"Pending","unknownField":{"x":1}}}}"#

    @Test func decodesTypedEvents() throws {
        let line = try WatchLineDecoder<Pod>().decode(Data(podAdded.utf8))
        guard case .event(let event, let key) = line else { Issue.record("not an event: \(line)"); return }
        #expect(event.type == .added)
        #expect(event.object.metadata.name == "web-0")
        #expect(event.object.phase == "Pending")
        #expect(event.resourceVersion == "101")
        #expect(key == "todo/web-0")
    }

    @Test func decodesBookmarksAndErrors() throws {
        let bookmark = try WatchLineDecoder<Pod>().decode(Data(#"{"type":"BOOKMARK","object":{"kind":"Pod","metadata":{"resourceVersion":"555"}}}"#.utf8))
        guard case .bookmark(let version) = bookmark else { Issue.record("not a bookmark"); return }
        #expect(version == "555")
        let error = try WatchLineDecoder<Pod>().decode(Data(#"{"type":"ERROR","object":{"kind":"Status","status":"Failure","message":"too old resource version: 1 (50)","reason":"Expired","code":410}}"#.utf8))
        guard case .error(let status) = error else { Issue.record("not an error"); return }
        #expect(status.code == 410)
        #expect(status.reason == "Expired")
    }

    @Test func rejectsGarbageWithAClearError() {
        do {
            _ = try WatchLineDecoder<JSONValue>().decode(Data("<html>proxy error</html>".utf8))
            Issue.record("expected an error")
        } catch let error as LabrunError {
            #expect(error.id == "K8S_BAD_WATCH_EVENT")
        } catch { Issue.record("unexpected \(error)") }
    }

    @Test func splitterJoinsLinesSplitAcrossChunks() throws {
        var splitter = LineSplitter()
        let text = podAdded + "\n" + podAdded.replacingOccurrences(of: "ADDED", with: "DELETED") + "\r\n"
        let bytes = Array(text.utf8)
        var lines: [Data] = []
        // Feed in awkward chunk sizes: 1, 7, 64, the rest.
        var offset = 0
        for size in [1, 7, 64, bytes.count] where offset < bytes.count {
            let end = min(bytes.count, offset + size)
            lines += try splitter.append(Data(bytes[offset..<end]))
            offset = end
        }
        #expect(splitter.finish() == nil)
        #expect(lines.count == 2)
        let decoder = WatchLineDecoder<Pod>()
        guard case .event(let second, _) = try decoder.decode(lines[1]) else { Issue.record("not an event"); return }
        #expect(second.type == .deleted)
    }

    @Test func splitterKeepsAFinalLineWithoutNewlineAndSkipsEmptyLines() throws {
        var splitter = LineSplitter()
        #expect(try splitter.append(Data("a\n\n\nb".utf8)) == [Data("a".utf8)])
        #expect(splitter.finish() == Data("b".utf8))
    }

    @Test func splitterRefusesUnboundedLines() {
        var splitter = LineSplitter(maximumLineLength: 10)
        #expect(throws: LineSplitter.LineTooLong.self) { try splitter.append(Data(String(repeating: "x", count: 11).utf8)) }
    }
}
