import CCurl
import Foundation
import LabrunCore

/// One request in flight on a `CurlEventLoop`: its settings, what came back so far, and who to tell
/// when it ends. Everything but `cancelRequested` is touched only on the loop's thread.
final class CurlTransfer: @unchecked Sendable {
    let request: HTTPRequest
    let configuration: HTTPClientConfiguration
    let streaming: Bool

    /// Set under the loop's lock by `CurlEventLoop.cancel`; read by the loop before starting.
    var cancelRequested = false

    private(set) var status = 0
    private(set) var headers = HTTPHeaders()
    private var headersComplete = false
    private var body = Data()
    private var splitter = LineSplitter()
    private let errorBuffer: UnsafeMutablePointer<CChar>
    private var headerList: UnsafeMutablePointer<curl_slist>?
    private var finished = false

    /// Buffered mode: called once with the whole response or the failure.
    var onResponse: (@Sendable (Result<HTTPResponse, any Error>) -> Void)?
    /// Streaming mode: called once when the headers are in (or the transfer failed before).
    var onHead: (@Sendable (Result<(Int, HTTPHeaders), any Error>) -> Void)?
    /// Streaming mode: receives the body line by line.
    var lines: AsyncThrowingStream<Data, any Error>.Continuation?

    init(request: HTTPRequest, configuration: HTTPClientConfiguration, streaming: Bool) {
        self.request = request
        self.configuration = configuration
        self.streaming = streaming
        errorBuffer = .allocate(capacity: Int(CURL_ERROR_SIZE) + 1)
        errorBuffer.initialize(repeating: 0, count: Int(CURL_ERROR_SIZE) + 1)
    }

    deinit {
        errorBuffer.deallocate()
        if let headerList { curl_slist_free_all(headerList) }
    }

    // MARK: Setup (loop thread)

    /// Applies every option of this request to a fresh (or reset) easy handle.
    func configure(_ easy: UnsafeMutableRawPointer) throws {
        let config = configuration
        var failures: [String] = []
        func check(_ code: CURLcode, _ what: String) {
            if code != CURLE_OK { failures.append("\(what): \(CurlGlobal.describe(code))") }
        }
        let me = Unmanaged.passUnretained(self).toOpaque()
        check(lr_easy_setopt_string(easy, CURLOPT_URL, request.url), "URL")
        check(lr_easy_setopt_long(easy, CURLOPT_NOSIGNAL, 1), "NOSIGNAL")
        check(lr_easy_setopt_pointer(easy, CURLOPT_ERRORBUFFER, errorBuffer), "ERRORBUFFER")
        check(lr_easy_setopt_long(easy, CURLOPT_FOLLOWLOCATION, 0), "FOLLOWLOCATION")
        check(lr_easy_setopt_string(easy, CURLOPT_PROTOCOLS_STR, "http,https"), "PROTOCOLS")
        check(lr_easy_setopt_long(easy, CURLOPT_TCP_NODELAY, 1), "TCP_NODELAY")
        check(lr_easy_setopt_long(easy, CURLOPT_TCP_KEEPALIVE, 1), "TCP_KEEPALIVE")
        check(lr_easy_setopt_long(easy, CURLOPT_TCP_KEEPIDLE, 30), "TCP_KEEPIDLE")
        check(lr_easy_setopt_long(easy, CURLOPT_TCP_KEEPINTVL, 10), "TCP_KEEPINTVL")
        check(lr_easy_setopt_long(easy, CURLOPT_CONNECTTIMEOUT_MS, Int(config.connectTimeout * 1000)), "CONNECTTIMEOUT")
        let total = streaming ? 0 : Int((request.timeout ?? config.timeout) * 1000)
        check(lr_easy_setopt_long(easy, CURLOPT_TIMEOUT_MS, total), "TIMEOUT")
        let version = config.allowHTTP2 ? CURL_HTTP_VERSION_2TLS : CURL_HTTP_VERSION_1_1
        check(lr_easy_setopt_long(easy, CURLOPT_HTTP_VERSION, version), "HTTP_VERSION")
        check(lr_easy_setopt_string(easy, CURLOPT_USERAGENT, config.userAgent), "USERAGENT")

        // TLS: verification always on.
        check(lr_easy_setopt_long(easy, CURLOPT_SSL_VERIFYPEER, 1), "SSL_VERIFYPEER")
        check(lr_easy_setopt_long(easy, CURLOPT_SSL_VERIFYHOST, 2), "SSL_VERIFYHOST")
        switch config.tls.certificateAuthority {
        case .file(let path)?:
            check(lr_easy_setopt_string(easy, CURLOPT_CAINFO, path), "CAINFO")
            check(lr_easy_setopt_string(easy, CURLOPT_CAPATH, nil), "CAPATH")
        case .pem(let data)?:
            check(data.withUnsafeBytes { lr_easy_setopt_blob(easy, CURLOPT_CAINFO_BLOB, $0.baseAddress, $0.count) }, "CAINFO_BLOB")
            check(lr_easy_setopt_string(easy, CURLOPT_CAPATH, nil), "CAPATH")
        case nil: break
        }
        switch config.tls.clientCertificate {
        case .file(let path)?: check(lr_easy_setopt_string(easy, CURLOPT_SSLCERT, path), "SSLCERT")
        case .pem(let data)?:
            check(data.withUnsafeBytes { lr_easy_setopt_blob(easy, CURLOPT_SSLCERT_BLOB, $0.baseAddress, $0.count) }, "SSLCERT_BLOB")
        case nil: break
        }
        if config.tls.clientCertificate != nil { check(lr_easy_setopt_string(easy, CURLOPT_SSLCERTTYPE, "PEM"), "SSLCERTTYPE") }
        switch config.tls.clientKey {
        case .file(let path)?: check(lr_easy_setopt_string(easy, CURLOPT_SSLKEY, path), "SSLKEY")
        case .pem(let data)?:
            check(data.withUnsafeBytes { lr_easy_setopt_blob(easy, CURLOPT_SSLKEY_BLOB, $0.baseAddress, $0.count) }, "SSLKEY_BLOB")
        case nil: break
        }
        if config.tls.clientKey != nil { check(lr_easy_setopt_string(easy, CURLOPT_SSLKEYTYPE, "PEM"), "SSLKEYTYPE") }

        // Method and body.
        switch request.method {
        case .get where request.body == nil: check(lr_easy_setopt_long(easy, CURLOPT_HTTPGET, 1), "HTTPGET")
        case .head: check(lr_easy_setopt_long(easy, CURLOPT_NOBODY, 1), "NOBODY")
        default:
            if let body = request.body {
                check(lr_easy_setopt_off_t(easy, CURLOPT_POSTFIELDSIZE_LARGE, curl_off_t(body.count)), "POSTFIELDSIZE")
                check(body.withUnsafeBytes { lr_easy_setopt_pointer(easy, CURLOPT_COPYPOSTFIELDS, UnsafeMutableRawPointer(mutating: $0.baseAddress ?? UnsafeRawPointer(errorBuffer))) }, "COPYPOSTFIELDS")
            }
            check(lr_easy_setopt_string(easy, CURLOPT_CUSTOMREQUEST, request.method.rawValue), "CUSTOMREQUEST")
        }

        // Headers: defaults, then the request's own, then the bearer token.
        var merged = config.defaultHeaders
        for field in request.headers { merged.set(field.name, field.value) }
        if let token = config.bearerToken, !merged.contains("Authorization") { merged.set("Authorization", "Bearer \(token)") }
        if !merged.contains("Expect") { merged.set("Expect", "") }
        var list: UnsafeMutablePointer<curl_slist>?
        for field in merged {
            // "Name:" removes a header curl would add; "Name;" sends it empty.
            let line = field.value.isEmpty ? "\(field.name):" : "\(field.name): \(field.value)"
            list = curl_slist_append(list, line)
        }
        headerList = list
        check(lr_easy_setopt_slist(easy, CURLOPT_HTTPHEADER, list), "HTTPHEADER")

        check(lr_easy_setopt_data_callback(easy, CURLOPT_WRITEFUNCTION, curlWriteCallback), "WRITEFUNCTION")
        check(lr_easy_setopt_pointer(easy, CURLOPT_WRITEDATA, me), "WRITEDATA")
        check(lr_easy_setopt_data_callback(easy, CURLOPT_HEADERFUNCTION, curlHeaderCallback), "HEADERFUNCTION")
        check(lr_easy_setopt_pointer(easy, CURLOPT_HEADERDATA, me), "HEADERDATA")
        check(lr_easy_setopt_pointer(easy, CURLOPT_PRIVATE, me), "PRIVATE")

        if !failures.isEmpty {
            throw LabrunError(id: ErrorID.httpSetup, exitCode: ExitCode.external,
                              message: "Could not prepare \(request): libcurl refused \(failures.joined(separator: "; ")).",
                              advice: "Check that libcurl4-openssl-dev (7.77 or newer) is installed.")
        }
    }

    // MARK: Data (loop thread)

    /// One raw header line from libcurl (status line, a field, or the blank line ending the block).
    func receiveHeader(_ bytes: UnsafeRawBufferPointer) {
        // Trim ASCII whitespace and line ends by index: no Foundation on the hot path.
        func isSpace(_ byte: UInt8) -> Bool { byte == 0x20 || byte == 0x09 || byte == 0x0D || byte == 0x0A }
        var start = 0
        var end = bytes.count
        while start < end, isSpace(bytes[start]) { start += 1 }
        while end > start, isSpace(bytes[end - 1]) { end -= 1 }
        if start == end {
            if status >= 200 && !headersComplete {
                headersComplete = true
                deliverHead()
            }
            return
        }
        let line = UnsafeRawBufferPointer(rebasing: bytes[start..<end])
        if line.count > 5, line[0] == UInt8(ascii: "H"), line[1] == UInt8(ascii: "T"), line[2] == UInt8(ascii: "T"),
           line[3] == UInt8(ascii: "P"), line[4] == UInt8(ascii: "/") {
            headers = HTTPHeaders()
            headersComplete = false
            // "HTTP/1.1 200 OK" / "HTTP/2 200": the code follows the first space.
            if let space = line.firstIndex(of: 0x20) {
                var code = 0
                var index = space + 1
                while index < line.count, line[index] >= 0x30, line[index] <= 0x39, code < 1000 {
                    code = code * 10 + Int(line[index] - 0x30)
                    index += 1
                }
                if code > 0 { status = code }
            }
            return
        }
        guard let colon = line.firstIndex(of: UInt8(ascii: ":")) else { return }
        var valueStart = colon + 1
        while valueStart < line.count, isSpace(line[valueStart]) { valueStart += 1 }
        let name = String(decoding: UnsafeRawBufferPointer(rebasing: line[0..<colon]), as: UTF8.self)
        if let kept = configuration.keptResponseHeaders, !kept.contains(where: { HTTPHeaders.same($0, name) }) { return }
        let value = String(decoding: UnsafeRawBufferPointer(rebasing: line[valueStart...]), as: UTF8.self)
        headers.add(name, value)
    }

    /// Returns false to abort the transfer (a line too long).
    func receiveBody(_ chunk: Data) -> Bool {
        guard streaming else { body.append(chunk); return true }
        if !headersComplete { headersComplete = true; deliverHead() }
        do {
            for line in try splitter.append(chunk) { lines?.yield(line) }
            return true
        } catch {
            return false
        }
    }

    private func deliverHead() {
        guard let onHead else { return }
        self.onHead = nil
        onHead(.success((status, headers)))
    }

    // MARK: End (loop thread)

    /// Ends the transfer with curl's result; reads the final status and timing from `easy`.
    func complete(code: CURLcode, easy: UnsafeMutableRawPointer) {
        var responseCode = 0
        if lr_easy_getinfo_long(easy, CURLINFO_RESPONSE_CODE, &responseCode) == CURLE_OK, responseCode > 0 {
            status = responseCode
        }
        var total = 0.0
        _ = lr_easy_getinfo_double(easy, CURLINFO_TOTAL_TIME, &total)
        if code == CURLE_OK {
            succeed(elapsed: total)
        } else {
            fail(transportError(code))
        }
    }

    private func succeed(elapsed: Double) {
        guard !finished else { return }
        finished = true
        if streaming {
            if !headersComplete { headersComplete = true; deliverHead() }
            if let rest = splitter.finish() { lines?.yield(rest) }
            lines?.finish()
            lines = nil
        } else {
            let response = HTTPResponse(status: status, headers: headers, body: body,
                                        request: request.description, elapsed: elapsed)
            onResponse?(.success(response))
            onResponse = nil
        }
    }

    /// Ends the transfer with an error (also used for cancellation and shutdown).
    func fail(_ error: any Error) {
        guard !finished else { return }
        finished = true
        if let onHead { self.onHead = nil; onHead(.failure(error)) }
        lines?.finish(throwing: error)
        lines = nil
        onResponse?(.failure(error))
        onResponse = nil
    }

    private func transportError(_ code: CURLcode) -> LabrunError {
        let detail = String(cString: errorBuffer)
        let reason = detail.isEmpty ? CurlGlobal.describe(code) : detail
        let what = request.description
        switch code {
        case CURLE_OPERATION_TIMEDOUT:
            let limit = streaming ? configuration.connectTimeout : (request.timeout ?? configuration.timeout)
            return LabrunError(id: ErrorID.httpTimeout, exitCode: ExitCode.timeout,
                               message: "\(what) timed out (limit \(formatSeconds(limit))): \(reason).",
                               advice: "Check that the server is up and answering; raise the timeout if it is just slow.")
        case CURLE_COULDNT_CONNECT, CURLE_COULDNT_RESOLVE_HOST, CURLE_COULDNT_RESOLVE_PROXY:
            return LabrunError(id: ErrorID.httpConnect, exitCode: ExitCode.unavailable,
                               message: "Could not connect for \(what): \(reason).",
                               advice: "Check that the server is running and that the address and port are right.")
        case CURLE_PEER_FAILED_VERIFICATION, CURLE_SSL_CACERT_BADFILE, CURLE_SSL_CONNECT_ERROR,
             CURLE_SSL_CERTPROBLEM, CURLE_SSL_CIPHER, CURLE_SSL_ISSUER_ERROR, CURLE_SSL_CRL_BADFILE:
            return LabrunError(id: ErrorID.httpTls, exitCode: ExitCode.external,
                               message: "TLS failed for \(what): \(reason).",
                               advice: "Verification is always on: check the CA data and the client certificate and key in the configuration (kubeconfig).")
        case CURLE_WRITE_ERROR where streaming:
            return LabrunError(id: ErrorID.httpStream, exitCode: ExitCode.external,
                               message: "\(what) sent a line longer than \(splitter.maximumLineLength) bytes; the stream was closed.")
        default:
            return LabrunError(id: ErrorID.httpTransport, exitCode: ExitCode.external,
                               message: "\(what) failed: \(reason) (curl error \(code.rawValue)).")
        }
    }
}

/// libcurl's write callback: body bytes for the transfer in `userdata`.
private let curlWriteCallback: lr_data_callback = { data, size, count, userdata in
    let length = size * count
    guard let userdata, let data else { return length }
    let transfer = Unmanaged<CurlTransfer>.fromOpaque(userdata).takeUnretainedValue()
    let accepted = transfer.receiveBody(Data(bytes: data, count: length))
    return accepted ? length : 0
}

/// libcurl's header callback: one header line (status line and the closing blank line included).
private let curlHeaderCallback: lr_data_callback = { data, size, count, userdata in
    let length = size * count
    guard let userdata, let data else { return length }
    let transfer = Unmanaged<CurlTransfer>.fromOpaque(userdata).takeUnretainedValue()
    transfer.receiveHeader(UnsafeRawBufferPointer(start: data, count: length))
    return length
}
