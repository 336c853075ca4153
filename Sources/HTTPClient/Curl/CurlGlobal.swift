import CCurl

/// libcurl's process-wide initialisation, done once before the first handle is made.
enum CurlGlobal {
    private static let initialised: Bool = { lr_global_init() == CURLE_OK }()

    /// Initialises libcurl (idempotent, thread-safe through Swift's lazy globals).
    static func ensureInitialised() -> Bool { initialised }

    /// libcurl's own words for a result code.
    static func describe(_ code: CURLcode) -> String {
        guard let text = curl_easy_strerror(code) else { return "curl error \(code.rawValue)" }
        return String(cString: text)
    }
}
