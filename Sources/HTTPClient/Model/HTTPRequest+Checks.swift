import Foundation
import LabrunCore

/// What every request is checked for before a byte is sent, by the real client and by the fakes alike.
///
/// - Header names are tokens and header values hold no control character but tab: a CR/LF in a
///   token or in a scenario's header value would otherwise end the field and start a new one
///   (header injection), a NUL would cut it.
/// - The URL holds no control character or space (which would split the request line).
/// - Credentials (the client's bearer token, or an `Authorization`, `Proxy-Authorization`, `Cookie`
///   or `X-Api-Key` field) never go over plain `http://` to another host unless the user opted in
///   (`--allow-insecure-credentials`): anyone on the path could read them. A loopback host
///   (`localhost`, 127.0.0.0/8, `::1`) is exempt: those bytes never leave the machine (a port-forward
///   carries them on over the API server's TLS connection); so is an address that an interface of
///   this machine carries right now (`HostAddresses`: the bare cluster's node address).
extension HTTPRequest {
    /// Checks the request as `configuration`'s client would send it (its default headers and bearer token added).
    public func check(configuration: HTTPClientConfiguration) throws {
        try configuration.defaultHeaders.check()
        try headers.check()
        if let token = configuration.bearerToken { try HTTPHeaders([("Authorization", "Bearer " + token)]).check() }
        try checkURL()
        let carries = configuration.bearerToken != nil || headers.carriesCredentials || configuration.defaultHeaders.carriesCredentials
        if carries, !configuration.allowInsecureCredentials { try Self.checkCredentialTransport(url) }
    }

    /// Checks the request's own headers and URL, and its credentials unless `allowInsecureCredentials`.
    public func check(allowInsecureCredentials: Bool = false) throws {
        try check(configuration: HTTPClientConfiguration(allowInsecureCredentials: allowInsecureCredentials))
    }

    /// Refuses to send credentials to `url` when it is plain HTTP to a host other than this machine.
    public static func checkCredentialTransport(_ url: String) throws {
        guard let components = URLComponents(string: url), components.scheme?.lowercased() == "http" else { return }
        if let host = components.host, isLoopback(host) || HostAddresses.isLocal(host) { return }
        let shown = (components.host ?? "?") + (components.port.map { ":\($0)" } ?? "")
        throw LabrunError(
            id: ErrorID.httpInsecureCredentials, exitCode: ExitCode.invalidInput,
            message: "Refused to send credentials (a bearer token or an Authorization header) to http://\(shown) over plain HTTP: "
                + "anyone on the way could read them.",
            advice: "Reach the service over https://, or through a port-forward (--access port-forward: the token stays on this "
                + "machine); on a network that is yours alone, pass --allow-insecure-credentials.")
    }

    /// `localhost`, `*.localhost`, 127.0.0.0/8 and `::1`.
    static func isLoopback(_ host: String) -> Bool {
        let host = host.lowercased().trimmingCharacters(in: CharacterSet(charactersIn: "[]"))
        if host == "localhost" || host.hasSuffix(".localhost") || host == "::1" { return true }
        let parts = host.split(separator: ".", omittingEmptySubsequences: false)
        return parts.count == 4 && parts[0] == "127" && parts.allSatisfy { UInt8($0) != nil }
    }

    func checkURL() throws {
        guard let bad = url.unicodeScalars.first(where: { $0.value <= 0x20 || $0.value == 0x7F }) else { return }
        throw LabrunError(
            id: ErrorID.httpURLInvalid, exitCode: ExitCode.invalidInput,
            message: "Refused to send \(method) \(TerminalText.quoted(String(url.prefix(200)))): the URL holds "
                + (bad == " " ? "a space" : "the control character \(TerminalText.quoted(String(bad)))")
                + ", which would split the request line.",
            advice: "Percent-encode it (a space is %20) in the path or query that produced it.")
    }
}

extension HTTPHeaders {
    /// Refuses a field whose name is not an HTTP token or whose value holds a control character
    /// (CR, LF, NUL…; a tab is allowed). The value is never quoted: it may be a credential.
    public func check() throws {
        for field in fields {
            if field.name.isEmpty || field.name.utf8.count > 256 || !field.name.utf8.allSatisfy(Self.isTokenByte) {
                throw LabrunError(
                    id: ErrorID.httpHeaderInvalid, exitCode: ExitCode.invalidInput,
                    message: "Refused to send the header name \(TerminalText.quoted(String(field.name.prefix(64)))): a name is 1 to 256 "
                        + "letters, digits and !#$%&'*+-.^_`|~, and this one holds something else (a space, a colon or a control character such as CR/LF would start a new header).",
                    advice: "Fix the header's name where it is set (the scenario's or the stack file's headers).")
            }
            if let bad = field.value.unicodeScalars.first(where: { ($0.value < 0x20 && $0 != "\t") || $0.value == 0x7F }) {
                let what = bad == "\r" || bad == "\n" ? "a line break (CR/LF), which would start a new header"
                    : "the control character \(TerminalText.quoted(String(bad)))"
                throw LabrunError(
                    id: ErrorID.httpHeaderInvalid, exitCode: ExitCode.invalidInput,
                    message: "Refused to send the header \(field.name): its value holds \(what) (the value is not shown: it may be a credential).",
                    advice: "Remove the control characters from the value where it is set (a scenario's headers, the stack's traffic.auth Secret, a kubeconfig token).")
            }
        }
    }

    /// Whether a field carries credentials (`Authorization`, `Cookie`, `X-Api-Key`…).
    public var carriesCredentials: Bool { fields.contains { HTTPHeaders.isSensitive($0.name) } }

    /// RFC 9110 `tchar`.
    static func isTokenByte(_ byte: UInt8) -> Bool {
        // A switch, not a lookup in a list: the check runs on every field of every request and response.
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
             UInt8(ascii: "!"), UInt8(ascii: "#"), UInt8(ascii: "$"), UInt8(ascii: "%"), UInt8(ascii: "&"), UInt8(ascii: "'"),
             UInt8(ascii: "*"), UInt8(ascii: "+"), UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "^"), UInt8(ascii: "_"),
             UInt8(ascii: "`"), UInt8(ascii: "|"), UInt8(ascii: "~"):
            return true
        default:
            return false
        }
    }
}
