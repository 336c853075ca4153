import LabrunCore

/// Which app versions served requests when, during a rollout.
///
/// Built from the load's records in a window (the rollout step, or the `during` phase) plus the
/// records after it, to tell the final version.
public struct VersionAccounting: Sendable, Hashable, Codable {
    /// First and last time (intended, run clock) a version answered successfully, and how often.
    public struct VersionSpan: Sendable, Hashable, Codable {
        public var version: String
        public var firstSeen: Double
        public var lastSeen: Double
        public var requests: Int
    }

    public var window: ClosedRange<Double>
    /// Versions in order of first appearance.
    public var versions: [VersionSpan]
    /// Failed requests inside the window.
    public var failed: Int
    /// Successful requests without a version header (the stack's `headers.version`; cannot be accounted).
    public var unaccounted: Int
    /// The span when more than one version answered: from the first answer of the last version to the last
    /// answer of any other version. `nil` when versions never overlapped.
    public var overlap: ClosedRange<Double>?
    /// The version of the last successful answers (after the window): every answer after the window's end.
    public var finalVersions: [String]

    /// Accounts `records` within `window`; records after the window decide the final version. One pass.
    public init(records: some Sequence<RequestRecord>, window: ClosedRange<Double>) {
        self.window = window
        var failed = 0
        var unaccounted = 0
        var spans: [String: VersionSpan] = [:]
        var afterwards: Set<String> = []
        var anyAfterwards = false
        // The last ten successes inside the window (by sequence): the final version when none came after it.
        var tail: [RequestRecord] = []
        for record in records {
            if record.intended > window.upperBound && record.succeeded {
                anyAfterwards = true
                if let version = record.version { afterwards.insert(version) }
            }
            guard window.contains(record.intended) else { continue }
            guard record.succeeded else { failed += 1; continue }
            if !anyAfterwards {
                tail.append(record)
                if tail.count > 20 { tail = Array(tail.sorted { $0.sequence < $1.sequence }.suffix(10)) }
            }
            guard let version = record.version else { unaccounted += 1; continue }
            if var span = spans[version] {
                span.lastSeen = max(span.lastSeen, record.intended)
                span.firstSeen = min(span.firstSeen, record.intended)
                span.requests += 1
                spans[version] = span
            } else {
                spans[version] = VersionSpan(version: version, firstSeen: record.intended, lastSeen: record.intended, requests: 1)
            }
        }
        self.failed = failed
        self.unaccounted = unaccounted
        versions = spans.values.sorted { ($0.firstSeen, $0.version) < ($1.firstSeen, $1.version) }
        if let last = versions.last, versions.count > 1 {
            let othersLast = versions.dropLast().map(\.lastSeen).max() ?? last.firstSeen
            overlap = othersLast >= last.firstSeen ? last.firstSeen...othersLast : nil
        } else {
            overlap = nil
        }
        if anyAfterwards {
            finalVersions = afterwards.sorted()
        } else {
            finalVersions = Array(Set(tail.sorted { $0.sequence < $1.sequence }.suffix(10).compactMap(\.version))).sorted()
        }
    }

    /// The verdict of a `versionAccounting` assertion.
    public func evaluate(_ spec: VersionAccountingAssertion, name: String) -> AssertionResult {
        var problems: [String] = []
        if failed > spec.maxFailed { problems.append("\(failed) failed request(s) during the rollout (allowed \(spec.maxFailed))") }
        if unaccounted > 0 { problems.append("\(unaccounted) successful request(s) carried no version header") }
        if finalVersions != [spec.expectFinal] {
            problems.append("final version is \(finalVersions.isEmpty ? "unknown (no successful request after the rollout)" : finalVersions.joined(separator: " + ")), expected \(spec.expectFinal)")
        }
        if !spec.expectVersions.isEmpty {
            let unexpected = versions.map(\.version).filter { !spec.expectVersions.contains($0) }
            if !unexpected.isEmpty { problems.append("unexpected version(s) served: \(unexpected.joined(separator: ", "))") }
        }
        var measured: [String: Double] = ["failed": Double(failed), "versions": Double(versions.count)]
        if let overlap { measured["overlapSeconds"] = overlap.upperBound - overlap.lowerBound }
        if problems.isEmpty {
            let overlapText = overlap.map { ", overlap \(formatSeconds($0.upperBound - $0.lowerBound))" } ?? ""
            return .passed(name, kind: "versionAccounting",
                           "\(versions.map(\.version).joined(separator: " → ")), 0 unaccounted, \(failed) failed\(overlapText), final \(spec.expectFinal)",
                           details: table, measured: measured)
        }
        return .failed(name, kind: "versionAccounting", problems.joined(separator: "; "), details: table, measured: measured)
    }

    /// A per-version table: first seen, last seen, requests (times relative to the window's start).
    public var table: [String] {
        let origin = window.lowerBound
        var lines = versions.map { span in
            "\(span.version): first \(String(format: "%+.2fs", span.firstSeen - origin)), last \(String(format: "%+.2fs", span.lastSeen - origin)), \(span.requests) request(s)"
        }
        if let overlap {
            lines.append("overlap: \(String(format: "%+.2fs", overlap.lowerBound - origin)) … \(String(format: "%+.2fs", overlap.upperBound - origin))")
        }
        return lines
    }
}

