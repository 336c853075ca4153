import Foundation
import LabrunCore

/// An `http://` URL split into what a request on the wire needs: where to connect (host and port),
/// the `Host` field (the authority as written), and the request target (path and query).
///
/// Split by hand over the UTF-8 bytes, once per request: Foundation's `URLComponents` cost more than
/// the rest of a request's preparation. The URL has already passed `HTTPRequest.check` (no space or
/// control character).
struct HTTPTarget: Equatable {
    /// Host name or address literal, without the brackets of an IPv6 literal.
    var host: String
    var port: UInt16
    /// `host[:port]` as written in the URL: the `Host` field, and the key of the connection pool.
    var authority: String
    /// Path and query (`/` when the URL has no path); the fragment is dropped.
    var path: Substring

    /// Splits `url`; throws `HTTP_URL_INVALID` for anything but a plain `http://host[:port][/path]` URL.
    init(_ url: String, method: HTTPMethod) throws {
        func refuse(_ why: String) -> LabrunError {
            LabrunError(id: ErrorID.httpURLInvalid, exitCode: ExitCode.invalidInput,
                        message: "Refused to send \(method) \(TerminalText.quoted(String(url.prefix(200)))): \(why).",
                        advice: "Give an absolute http://host:port/path URL.")
        }
        let utf8 = url.utf8
        let scheme = "http://".utf8
        guard utf8.count > scheme.count,
              zip(utf8.prefix(scheme.count), scheme).allSatisfy({ ($0 >= 0x41 && $0 <= 0x5A ? $0 | 0x20 : $0) == $1 }) else {
            if url.lowercased().hasPrefix("https://") {
                throw LabrunError(id: ErrorID.httpURLInvalid, exitCode: ExitCode.invalidInput,
                                  message: "\(method) \(TerminalText.quoted(String(url.prefix(200)))) is https, and the plain HTTP engine "
                                      + "speaks plain http:// only.",
                                  advice: "Send https:// requests through HTTPClient (libcurl), which verifies TLS.")
            }
            throw refuse("it is not an http:// URL")
        }
        let authorityStart = utf8.index(utf8.startIndex, offsetBy: scheme.count)
        let authorityEnd = utf8[authorityStart...].firstIndex { $0 == UInt8(ascii: "/") || $0 == UInt8(ascii: "?") || $0 == UInt8(ascii: "#") }
            ?? utf8.endIndex
        let authority = url[authorityStart..<authorityEnd]
        guard !authority.utf8.contains(UInt8(ascii: "@")) else {
            throw refuse("it carries credentials in the URL (user@host), which the plain HTTP engine does not send; use an Authorization header")
        }
        var hostPart: Substring
        var portPart: Substring?
        if authority.hasPrefix("[") {
            guard let close = authority.firstIndex(of: "]") else { throw refuse("its IPv6 address has no closing ]") }
            hostPart = authority[authority.index(after: authority.startIndex)..<close]
            let rest = authority[authority.index(after: close)...]
            if !rest.isEmpty {
                guard rest.hasPrefix(":") else { throw refuse("something other than a port follows its IPv6 address") }
                portPart = rest.dropFirst()
            }
        } else if let colon = authority.firstIndex(of: ":") {
            hostPart = authority[..<colon]
            portPart = authority[authority.index(after: colon)...]
        } else {
            hostPart = authority
        }
        guard !hostPart.isEmpty else { throw refuse("it has no host") }
        var port: UInt16 = 80
        if let portPart, !portPart.isEmpty {
            guard portPart.utf8.count <= 5, portPart.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }), let number = Int(portPart),
                  number > 0, number <= 65535 else {
                throw refuse("its port is not a number from 1 to 65535")
            }
            port = UInt16(number)
        }
        self.host = String(hostPart)
        self.port = port
        self.authority = String(authority)
        let fragment = utf8[authorityEnd...].firstIndex(of: UInt8(ascii: "#")) ?? utf8.endIndex
        let path = url[authorityEnd..<fragment]
        self.path = path.hasPrefix("/") ? path : Substring("/" + path)
    }
}
