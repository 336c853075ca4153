import Foundation

/// Causes of a failure read from what the run saw, not from the manifests (issue 12, item 3): the
/// state of the pod that served each failed request at that moment, from the pods' lives.
///
/// The manifest checks (no readiness probe, no preStop, session affinity…) know the mistakes someone
/// thought of; these rules read the evidence, so a failure no manifest rule explains still gets a cause.
public enum EvidenceDiagnosis {
    /// What a pod was, at one moment, as far as serving goes.
    enum Serving: Equatable { case ready, notReady, deleting, unknown }

    /// The readiness of each pod over the run, from its life: (time, state) in order.
    static func timelines(_ pods: [PodLifeEvent]) -> [String: [(at: Double, state: Serving)]] {
        var lines: [String: [(at: Double, state: Serving)]] = [:]
        for event in pods.sorted(by: { $0.at < $1.at }) {
            let state: Serving?
            switch event.change {
            case .created: state = .notReady
            case .ready: state = .ready
            case .notReady: state = .notReady
            case .deleting, .deleted, .evicted: state = .deleting
            default: state = nil
            }
            if let state { lines[event.pod, default: []].append((event.at, state)) }
        }
        return lines
    }

    /// The pod's state at `time` (the last change at or before it).
    static func state(of pod: String, at time: Double, in lines: [String: [(at: Double, state: Serving)]]) -> Serving {
        guard let line = lines[pod] else { return .unknown }
        return line.last { $0.at <= time }?.state ?? .unknown
    }

    /// One sentence per cause the evidence shows; empty when it shows none. `minimum`: how many failed
    /// answers it takes before a pattern is named (a stray error is not a cause).
    public static func causes(records: RequestRecords, pods: [PodLifeEvent], minimum: Int = 10) -> [String] {
        guard !pods.isEmpty else { return [] }
        let lines = timelines(pods)
        var failedAnswers = 0
        var byState: [Serving: [String: Int]] = [:]
        for record in records {
            guard case .status(let code) = record.outcome, code >= 500, let pod = record.servedBy else { continue }
            failedAnswers += 1
            byState[state(of: pod, at: record.start, in: lines), default: [:]][pod, default: 0] += 1
        }
        func named(_ counts: [String: Int]) -> String {
            let top = counts.sorted { ($0.value, $1.key) > ($1.value, $0.key) }.prefix(3).map { "\($0.key) \($0.value)" }
            return top.joined(separator: ", ") + (counts.count > 3 ? ", …" : "")
        }
        var causes: [String] = []
        if let ready = byState[.ready], ready.values.reduce(0, +) >= minimum {
            let count = ready.values.reduce(0, +)
            causes.append("\(count) of \(failedAnswers) failed answers came from pods the cluster counted as Ready at that moment "
                          + "(\(named(ready))): their readiness probe passes while requests fail, so it does not check what requests need")
        }
        if let deleting = byState[.deleting], deleting.values.reduce(0, +) >= minimum {
            let count = deleting.values.reduce(0, +)
            causes.append("\(count) of \(failedAnswers) failed answers came from pods already being deleted (\(named(deleting))): "
                          + "they took requests while shutting down; a preStop delay lets the endpoints change first")
        }
        let oom = pods.filter { $0.termination?.reason == "OOMKilled" }
        if !oom.isEmpty {
            let which = Set(oom.map { "\($0.pod)/\($0.container ?? "?")" }).sorted().prefix(3).joined(separator: ", ")
            causes.append("the out-of-memory killer ended \(oom.count) container instance(s) (\(which)): their memory limit is too low for the load")
        }
        return causes
    }
}
