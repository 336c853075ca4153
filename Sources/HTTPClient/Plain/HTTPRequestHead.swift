import Foundation

/// A request as HTTP/1.1 bytes: the request line, the header fields and the body, in one buffer
/// (one write to the socket, one allocation).
///
/// The fields are those `CurlTransfer` sends, so that both engines ask the same thing: `Host`,
/// `User-Agent` and `Accept: */*` unless the request or the client's default headers set them, the
/// client's default headers (a request's field of the same name wins), the request's own fields, the
/// client's bearer token unless the request carries an `Authorization`, and `Content-Length` for a
/// body (or for POST, PUT and PATCH without one). A field with an empty value is not sent, and it
/// keeps a default of that name out (curl's `Name:` convention). `Content-Length` and
/// `Transfer-Encoding` fields of the request are dropped: the engine frames the body itself. The
/// request has passed `HTTPRequest.check` (tokens for names, no control character in values).
enum HTTPRequestHead {
    static func bytes(for request: HTTPRequest, target: HTTPTarget, configuration: HTTPClientConfiguration) -> [UInt8] {
        let own = request.headers.fields
        let defaults = configuration.defaultHeaders.fields
        func given(_ name: String) -> Bool {
            own.contains { HTTPHeaders.same($0.name, name) } || defaults.contains { HTTPHeaders.same($0.name, name) }
        }
        let body = request.body
        var out: [UInt8] = []
        out.reserveCapacity(160 + request.url.utf8.count + (body?.count ?? 0)
                            + own.reduce(0) { $0 + $1.name.utf8.count + $1.value.utf8.count + 4 })
        func append(_ text: String) {
            var text = text
            text.withUTF8 { out.append(contentsOf: $0) }
        }
        func appendField(_ name: String, _ value: String) {
            append(name)
            out.append(0x3A)
            out.append(0x20)
            append(value)
            out.append(0x0D)
            out.append(0x0A)
        }
        func framing(_ name: String) -> Bool {
            HTTPHeaders.same(name, "Content-Length") || HTTPHeaders.same(name, "Transfer-Encoding")
        }

        append(request.method.rawValue)
        out.append(0x20)
        var path = target.path
        path.withUTF8 { out.append(contentsOf: $0) }
        append(" HTTP/1.1\r\n")
        if !given("Host") { appendField("Host", target.authority) }
        if !given("User-Agent"), !configuration.userAgent.isEmpty { appendField("User-Agent", configuration.userAgent) }
        if !given("Accept") { appendField("Accept", "*/*") }
        for field in defaults where !field.value.isEmpty && !framing(field.name)
            && !own.contains(where: { HTTPHeaders.same($0.name, field.name) }) {
            appendField(field.name, field.value)
        }
        for field in own where !field.value.isEmpty && !framing(field.name) { appendField(field.name, field.value) }
        if let token = configuration.bearerToken, !given("Authorization") { appendField("Authorization", "Bearer " + token) }
        if let body {
            appendField("Content-Length", String(body.count))
        } else if request.method == .post || request.method == .put || request.method == .patch {
            appendField("Content-Length", "0")
        }
        out.append(0x0D)
        out.append(0x0A)
        if let body { out.append(contentsOf: body) }
        return out
    }
}
