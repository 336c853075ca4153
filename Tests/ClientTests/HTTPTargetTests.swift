import Foundation
import LabrunCore
import Testing
@testable import HTTPClient

/// How the plain engine splits a URL and writes a request, without a socket.
@Suite("HTTPTarget and HTTPRequestHead")
struct HTTPTargetTests {
    @Test func urlsSplitIntoHostPortAuthorityAndPath() throws {
        let cases: [(String, String, UInt16, String, String)] = [
            ("http://10.250.0.1:31234/api/tasks?limit=50", "10.250.0.1", 31234, "10.250.0.1:31234", "/api/tasks?limit=50"),
            ("http://example.test", "example.test", 80, "example.test", "/"),
            ("HTTP://Example.test?q=1", "Example.test", 80, "Example.test", "/?q=1"),
            ("http://[::1]:8080/x#frag", "::1", 8080, "[::1]:8080", "/x"),
            ("http://[fe80::1]/", "fe80::1", 80, "[fe80::1]", "/"),
            ("http://h:/p", "h", 80, "h:", "/p"),
        ]
        for (url, host, port, authority, path) in cases {
            let target = try HTTPTarget(url, method: .get)
            #expect(target.host == host && target.port == port, "\(url)")
            #expect(target.authority == authority && target.path == path, "\(url)")
        }
    }

    @Test func otherURLsAreRefused() {
        for url in ["https://h/", "ftp://h/", "http://", "http:///path", "http://u:p@h/", "http://h:0/", "http://h:65536/",
                    "http://h:8x/", "http://[::1/", "http://[::1]x/", "/relative"] {
            do {
                _ = try HTTPTarget(url, method: .get)
                Issue.record("\(url) must be refused")
            } catch let error as LabrunError {
                #expect(error.id == ErrorID.httpURLInvalid, "\(url)")
            } catch {
                Issue.record("\(url): \(error)")
            }
        }
    }

    @Test func theHeadHasTheFieldsCurlWouldSend() throws {
        let request = HTTPRequest(.get, "http://127.0.0.1:8080/a?b=1", headers: ["Accept": "application/json", "X-Empty": "", "Connection": "close"])
        let target = try HTTPTarget(request.url, method: request.method)
        let head = String(decoding: HTTPRequestHead.bytes(for: request, target: target, configuration: HTTPClientConfiguration()), as: UTF8.self)
        #expect(head == "GET /a?b=1 HTTP/1.1\r\nHost: 127.0.0.1:8080\r\nUser-Agent: labrun\r\nAccept: application/json\r\nConnection: close\r\n\r\n")
        // A Host of the request's own replaces the URL's authority.
        let hosted = HTTPRequest(.delete, "http://127.0.0.1/x", headers: ["Host": "svc.test"])
        let written = String(decoding: HTTPRequestHead.bytes(for: hosted, target: try HTTPTarget(hosted.url, method: .delete),
                                                              configuration: HTTPClientConfiguration(userAgent: "")), as: UTF8.self)
        #expect(written == "DELETE /x HTTP/1.1\r\nAccept: */*\r\nHost: svc.test\r\n\r\n")
    }
}
