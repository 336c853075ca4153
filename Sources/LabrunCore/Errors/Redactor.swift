import Foundation

/// Removes secrets from any text before it reaches a log line, an error or a report.
///
/// Two kinds of secret are removed: values registered at run time (passwords read from a Secret,
/// bearer tokens from a kubeconfig) and well-known shapes (`postgres://user:PASSWORD@`,
/// `password=…`, `Authorization: Bearer …`, PEM private keys).
public final class Redactor: @unchecked Sendable {
    /// The process-wide redactor every error and log line goes through.
    public static let shared = Redactor()

    public static let mask = "••••••"

    private let lock = NSLock()
    private var secrets: Set<String> = []

    public init() {}

    /// Registers a secret value so it is masked wherever it appears. Short values (under 4
    /// characters) are ignored: masking them would mangle ordinary text.
    public func register(_ secret: String) {
        guard secret.count >= 4 else { return }
        lock.lock(); defer { lock.unlock() }
        secrets.insert(secret)
    }

    public func redact(_ text: String) -> String {
        lock.lock()
        let known = secrets.sorted { $0.count > $1.count }
        lock.unlock()
        var out = text
        for secret in known where out.contains(secret) {
            out = out.replacingOccurrences(of: secret, with: Redactor.mask)
        }
        for (pattern, template) in Redactor.patterns {
            out = pattern.stringByReplacingMatches(
                in: out, range: NSRange(out.startIndex..., in: out), withTemplate: template)
        }
        return out
    }

    private static let patterns: [(NSRegularExpression, String)] = {
        let rules: [(String, String)] = [
            // scheme://user:password@host  →  scheme://user:••••••@host
            (#"([a-zA-Z][a-zA-Z0-9+.-]*://[^:/@\s]+:)[^@\s]+@"#, "$1\(mask)@"),
            // password=…, PGPASSWORD=…, "password": "…", token: …
            (#"(?i)((?:pg)?password|passwd|secret|token)("?\s*[=:]\s*"?)[^\s"&,;]+"#, "$1$2\(mask)"),
            (#"(?i)(authorization:\s*bearer\s+)\S+"#, "$1\(mask)"),
            (#"-----BEGIN [A-Z ]*PRIVATE KEY-----[\s\S]*?-----END [A-Z ]*PRIVATE KEY-----"#, "[private key \(mask)]"),
        ]
        // The patterns are constants; a failure here is a programming error caught by the unit tests.
        return rules.compactMap { rule in
            (try? NSRegularExpression(pattern: rule.0)).map { ($0, rule.1) }
        }
    }()
}
