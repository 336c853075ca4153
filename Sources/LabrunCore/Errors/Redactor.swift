import Foundation

/// Removes secrets from any text before it reaches a log line, an error or a report.
///
/// Two kinds of secret are removed, in time linear in the text's length whatever it holds:
/// - values registered at run time (passwords read from a Secret, bearer tokens from a kubeconfig),
///   together with their base64 forms: the value encoded alone (`data:` of a Secret) and the three
///   ways it can sit inside a longer base64 text (a whole file encoded) — see `encodedForms`;
/// - well-known shapes (`postgres://user:PASSWORD@`, `password=…`, `"token": "…"`, kubeconfig
///   `*-data` fields, `Authorization: Bearer …`, PEM private keys plain or base64): see `SecretShapes`.
///
/// `labrun-bench redact` prints the time per MB on inputs of several shapes.
public final class Redactor: @unchecked Sendable {
    /// The process-wide redactor every error and log line goes through.
    public static let shared = Redactor()

    public static let mask = "••••••"

    /// Secrets shorter than this are ignored: masking them would mangle ordinary text.
    public static let minimumLength = 4
    /// Base64 fragments shorter than this are not masked on their own (too likely in ordinary text).
    static let minimumEncodedLength = 8

    private let lock = NSLock()
    private var secrets: Set<String> = []
    /// The matcher for `secrets` and their encoded forms, rebuilt by the first `redact` after a secret
    /// was added (not by each `register`: a kubeconfig with thousands of tokens made registering them
    /// quadratic — found by the kubeconfig fuzzer as a 10 s input).
    private var matcher = SecretMatcher([[UInt8]]())
    private var matcherIsStale = false
    /// How many times the matcher was built (the unit tests check registrations are batched).
    private(set) var matcherBuilds = 0

    public init() {}

    /// Registers a secret value so it is masked wherever it appears, plain or in base64. Short values
    /// (under `minimumLength` characters) are ignored.
    public func register(_ secret: String) {
        guard secret.count >= Self.minimumLength else { return }
        lock.lock(); defer { lock.unlock() }
        if secrets.insert(secret).inserted { matcherIsStale = true }
    }

    /// Forgets every registered secret. For long-lived harnesses that feed unrelated inputs through
    /// one process (the fuzzers, between inputs); labrun itself never forgets a secret.
    public func removeAll() {
        lock.withLock {
            secrets.removeAll()
            matcher = SecretMatcher([[UInt8]]())
            matcherIsStale = false
        }
    }

    /// The matcher for the secrets registered so far (built once after each batch of registrations).
    private func currentMatcher() -> SecretMatcher {
        lock.withLock {
            if matcherIsStale {
                matcher = SecretMatcher(secrets.flatMap { [Array($0.utf8)] + Self.encodedForms(of: Array($0.utf8)) })
                matcherIsStale = false
                matcherBuilds += 1
            }
            return matcher
        }
    }

    public func redact(_ text: String) -> String {
        var steps = 0
        return redact(text, steps: &steps)
    }

    /// `redact`, counting the scanners' steps (the unit tests check they grow linearly with the text).
    func redact(_ text: String, steps: inout Int) -> String {
        let matcher = currentMatcher()
        let bytes = Array(text.utf8)
        let mask = Array(Self.mask.utf8)
        var masked = bytes
        let ranges = matcher.ranges(in: bytes, steps: &steps)
        if !ranges.isEmpty {
            masked = []
            masked.reserveCapacity(bytes.count)
            var position = 0
            for range in ranges {
                masked += bytes[position..<range.lowerBound]
                masked += mask
                position = range.upperBound
            }
            masked += bytes[position...]
        }
        var shapes = SecretShapes(masked, mask: mask)
        let out = shapes.run()
        steps &+= shapes.steps
        return String(decoding: out, as: UTF8.self)
    }

    /// The base64 texts that reveal `secret`: its encoding alone (with padding), and, for each of the
    /// three offsets at which it can start inside a longer encoded text, the characters that depend on
    /// its bytes only (those shared with the bytes around it differ from text to text). Fragments
    /// shorter than `minimumEncodedLength` are left out.
    static func encodedForms(of secret: [UInt8]) -> [[UInt8]] {
        var forms = [Array(Data(secret).base64EncodedString().utf8)]
        for offset in 0..<3 {
            let encoded = Array((Data(repeating: 0, count: offset) + Data(secret)).base64EncodedString().utf8)
            // Character c holds bits 6c..<6c+6; the secret holds bits 8·offset..<8·(offset+count).
            let first = (8 * offset + 5) / 6
            let last = (8 * (offset + secret.count)) / 6
            guard last - first >= minimumEncodedLength else { continue }
            forms.append(Array(encoded[first..<last]))
        }
        return forms
    }
}
