import LabrunCore

/// Evaluates the assertions that read the background load: SLOs, throughput, serving pods and
/// the load-based recovery measures. Pure: everything comes from request records and phase windows,
/// each measure one pass over the records.
public struct LoadEvaluator: Sendable {
    public var records: RequestRecords
    public var windows: PhaseWindows
    /// The load's target rate (requests per second).
    public var targetRate: Double

    public init(records: RequestRecords, windows: PhaseWindows, targetRate: Double) {
        self.records = records
        self.windows = windows
        self.targetRate = targetRate
    }

    public func stats(_ phase: Phase) -> PhaseStats { LoadStatistics.stats(records, phase: phase, windows: windows) }

    /// An SLO for one phase: error rate, latency percentiles and the slowest request against their bounds.
    public func slo(_ phase: Phase, _ bounds: SLOBounds, name: String) -> AssertionResult {
        let stats = stats(phase)
        guard stats.count > 0 else {
            return AssertionResult(name: name, kind: "slo", verdict: .error,
                                   message: "no requests were scheduled in phase \(phase.rawValue), so its SLO cannot be judged")
        }
        var checks: [(ok: Bool, text: String)] = []
        if let limit = bounds.errorRate {
            checks.append((stats.errorRate <= limit + 1e-12, "error rate \(percent(stats.errorRate)) (≤ \(percent(limit)))"))
        }
        for (label, bound, value) in [("p50", bounds.p50, stats.p50), ("p95", bounds.p95, stats.p95), ("p99", bounds.p99, stats.p99), ("max", bounds.max, stats.max)] {
            guard let bound else { continue }
            guard let value else { checks.append((false, "\(label) unknown: no request was answered")); continue }
            checks.append((value <= bound.seconds, "\(label) \(formatSeconds(value)) (≤ \(bound))"))
        }
        var measured: [String: Double] = ["errorRate": stats.errorRate, "count": Double(stats.count)]
        measured["p50"] = stats.p50
        measured["p95"] = stats.p95
        measured["p99"] = stats.p99
        measured["max"] = stats.max
        let failed = checks.filter { !$0.ok }
        let details = stats.errorsByKind.keys.sorted().map { "\($0): \(stats.errorsByKind[$0] ?? 0)" }
        if failed.isEmpty {
            return .passed(name, kind: "slo", "\(phase.rawValue): " + checks.map(\.text).joined(separator: ", "),
                           details: details, measured: measured)
        }
        return .failed(name, kind: "slo", "\(phase.rawValue): " + failed.map { $0.text.replacingOccurrences(of: "(≤", with: "exceeds (≤") }
            .joined(separator: ", "), details: details, measured: measured)
    }

    /// Achieved throughput of a phase against the target rate and/or another phase.
    public func throughput(_ spec: ThroughputAssertion, name: String) -> AssertionResult {
        let throughput = throughput(spec.phase, within: spec.within)
        guard let throughput else {
            return AssertionResult(name: name, kind: "throughput", verdict: .error, message: "phase \(spec.phase.rawValue) has no time")
        }
        var texts: [String] = []
        var ok = true
        var measured: [String: Double] = ["throughput": throughput]
        if let minPercent = spec.minPercentOfTarget {
            let achieved = targetRate > 0 ? throughput / targetRate * 100 : 0
            measured["percentOfTarget"] = achieved
            let pass = achieved + 1e-9 >= minPercent
            ok = ok && pass
            texts.append(String(format: "%.1f req/s = %.1f%% of the %.1f req/s target (%@ %.0f%%)",
                                throughput, achieved, targetRate, pass ? "≥" : "below", minPercent))
        }
        if let other = spec.comparedTo {
            let reference = self.throughput(other, within: spec.within) ?? 0
            let ratio = reference > 0 ? throughput / reference : (throughput > 0 ? .infinity : 0)
            measured["ratio"] = ratio.isFinite ? ratio : nil
            let pass = ratio + 1e-9 >= spec.minRatio
            ok = ok && pass
            texts.append(String(format: "%.2f× phase %@ (%@ %.2f×)", ratio, other.rawValue, pass ? "≥" : "below", spec.minRatio))
        }
        let scope = spec.within.map { " (answered within \($0))" } ?? ""
        let message = "\(spec.phase.rawValue)\(scope): " + texts.joined(separator: "; ")
        return ok ? .passed(name, kind: "throughput", message, measured: measured)
            : .failed(name, kind: "throughput", message, measured: measured)
    }

    /// Successful requests per second of a phase (by intended time), only those answered within
    /// `within` when given; nil when the phase has no time.
    public func throughput(_ phase: Phase, within: ScenarioDuration? = nil) -> Double? {
        let window = windows.window(phase)
        let length = window.end - window.start
        guard length > 0 else { return nil }
        let limit = within?.seconds ?? .infinity
        var counted = 0
        for record in records where record.intended >= window.start && record.intended < window.end && record.succeeded
            && record.latency <= limit {
            counted += 1
        }
        return Double(counted) / length
    }

    /// Distinct serving pods in a phase.
    public func servingPods(_ spec: ServingPodsAssertion, name: String) -> AssertionResult {
        let pods = stats(spec.phase).servingPods
        let details = pods.keys.sorted().map { "\($0): \(pods[$0] ?? 0) request(s)" }
        let message = "\(spec.phase.rawValue): \(pods.count) pod(s) served requests (at least \(spec.atLeast))"
        return pods.count >= spec.atLeast
            ? .passed(name, kind: "servingPods", message, details: details, measured: ["pods": Double(pods.count)])
            : .failed(name, kind: "servingPods", message, details: details, measured: ["pods": Double(pods.count)])
    }

    /// Which pods answered each session's requests successfully over the whole run. Sessions with fewer
    /// than `minRequests` requests are not judged (with three pods and ten answers, one pod by chance has
    /// odds of 3 in 59,049); a run in which no session reached it fails, since it proved nothing. A session
    /// whose requests only one pod could answer (history kept in one process) is pinned.
    public func sessions(_ spec: SessionsAssertion, name: String) -> AssertionResult {
        var pods: [String: [String: Int]] = [:]
        var sent: [String: Int] = [:]
        var answered: [String: Int] = [:]
        for record in records {
            guard let session = record.session else { continue }
            sent[session, default: 0] += 1
            guard record.succeeded else { continue }
            answered[session, default: 0] += 1
            if let pod = record.servedBy { pods[session, default: [:]][pod, default: 0] += 1 }
        }
        let judged = sent.filter { $0.value >= spec.minRequests }.keys.sorted()
        let pinned = judged.filter { (pods[$0]?.count ?? 0) < spec.minPods }
        let measured = ["sessions": Double(sent.count), "judged": Double(judged.count), "pinned": Double(pinned.count)]
        let details = pinned.prefix(20).map { session -> String in
            let servers = (pods[session] ?? [:]).keys.sorted()
            return "session \(session): \(sent[session] ?? 0) request(s), \(answered[session] ?? 0) answered"
                + (servers.isEmpty ? "" : ", all by " + servers.joined(separator: ", "))
        }
        if judged.isEmpty {
            return .failed(name, kind: "sessions", "no session got \(spec.minRequests) requests (\(sent.count) session(s)), "
                           + "so nothing shows which pods serve a session", measured: measured)
        }
        let message = "\(judged.count) session(s) with at least \(spec.minRequests) requests: "
            + (pinned.isEmpty ? "each answered by \(spec.minPods) or more pods"
                              : "\(pinned.count) answered by fewer than \(spec.minPods) pods (pinned to a pod: state kept in one process, or sticky routing)")
        return pinned.isEmpty
            ? .passed(name, kind: "sessions", message, measured: measured)
            : .failed(name, kind: "sessions", message, details: details, measured: measured)
    }

    /// Answers that carried another user's data, over the whole run: how many, whose, and the first few.
    public func isolation(_ spec: IsolationAssertion, name: String) -> AssertionResult {
        var count = 0
        var byPair: [String: Int] = [:]
        var first: [RequestRecord] = []
        for record in records {
            if case .foreign(_, let owner) = record.outcome {
                count += 1
                byPair["\(record.operation.rawValue) answered with data of \(owner)", default: 0] += 1
                if first.count < 5 { first.append(record) }
            }
        }
        let details = byPair.keys.sorted().map { "\($0): \(byPair[$0] ?? 0)" }
            + first.sorted { $0.end < $1.end }.map { record in
                "at \(formatSeconds(record.end)): request \(record.sequence) (\(record.operation.rawValue))"
                    + (record.servedBy.map { ", served by \($0)" } ?? "")
            }
        let measured: [String: Double] = ["foreign": Double(count)]
        if count <= spec.maxForeign {
            return .passed(name, kind: "isolation", "\(count) answer(s) carried another user's data (at most \(spec.maxForeign)); every 2xx answer of the load was checked",
                           details: details, measured: measured)
        }
        return .failed(name, kind: "isolation", "\(count) answer(s) to the load carried another user's data (at most \(spec.maxForeign)): "
                       + "a query that is not scoped to the token's user", details: details, measured: measured)
    }

    private func percent(_ fraction: Double) -> String {
        let value = fraction * 100
        return value == value.rounded() ? String(format: "%.0f%%", value) : String(format: "%.2f%%", value)
    }
}
