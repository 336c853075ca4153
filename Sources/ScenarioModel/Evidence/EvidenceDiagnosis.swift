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

    /// How long a readiness probe may take to notice a failure: Kubernetes' defaults, 3 failures 10 s apart.
    static let probeNoticeSeconds = 30.0

    /// Whether the pod's probe took it out of service (not Ready, not deleted) within `probeNoticeSeconds` after `time`.
    static func leftReady(_ pod: String, after time: Double, in lines: [String: [(at: Double, state: Serving)]]) -> Bool {
        lines[pod]?.contains { $0.at > time && $0.at <= time + probeNoticeSeconds && $0.state == .notReady } ?? false
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
            var serving = state(of: pod, at: record.start, in: lines)
            // A pod whose probe took it out soon after was failing while its probe had not yet noticed: the probe works.
            if serving == .ready, leftReady(pod, after: record.start, in: lines) { serving = .unknown }
            byState[serving, default: [:]][pod, default: 0] += 1
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
        causes += unansweredCauses(records: records, lines: lines, minimum: minimum)
        causes += stuckAfterReturn(pods)
        let oom = pods.filter { $0.termination?.reason == "OOMKilled" }
        if !oom.isEmpty {
            let which = Set(oom.map { "\($0.pod)/\($0.container ?? "?")" }).sorted().prefix(3).joined(separator: ", ")
            causes.append("the out-of-memory killer ended \(oom.count) container instance(s) (\(which)): their memory limit is too low for the load")
        }
        return causes
    }

    /// A workload whose pods all stopped being Ready and never were again, while another workload that had
    /// gone away came back: the first does not recover by itself once what it depends on returns (a
    /// connection pool that never reconnects, a dependency checked only at start-up).
    static func stuckAfterReturn(_ pods: [PodLifeEvent]) -> [String] {
        struct Workload {
            var ready: Set<String> = []
            var live: Set<String> = []
            /// Since when none of its live pods has been Ready, after having served.
            var downSince: Double?
            /// When it became Ready again after having been down (the last such time).
            var backAt: Double?
        }
        var workloads: [String: Workload] = [:]
        for event in pods.sorted(by: { $0.at < $1.at }) {
            guard let name = event.workload else { continue }
            var workload = workloads[name] ?? Workload()
            let wasReady = !workload.ready.isEmpty
            switch event.change {
            case .created: workload.live.insert(event.pod); workload.ready.remove(event.pod)
            case .ready: workload.live.insert(event.pod); workload.ready.insert(event.pod)
            case .notReady: workload.ready.remove(event.pod)
            case .deleting, .deleted, .evicted: workload.ready.remove(event.pod); workload.live.remove(event.pod)
            default: break
            }
            let isReady = !workload.ready.isEmpty
            if isReady {
                if workload.downSince != nil { workload.backAt = event.at }
                workload.downSince = nil
            } else if wasReady {
                workload.downSince = event.at
            }
            workloads[name] = workload
        }
        func seconds(_ value: Double) -> String { String(format: "%.1f s", value) }
        var causes: [String] = []
        for (name, workload) in workloads.sorted(by: { $0.key < $1.key }) {
            guard let since = workload.downSince, !workload.live.isEmpty else { continue }
            let returned = workloads.filter { $0.key != name && $0.value.downSince == nil && $0.value.backAt != nil }
                .sorted { $0.key < $1.key }
            guard let (other, state) = returned.first, let back = state.backAt else { continue }
            causes.append("no pod of \(name) has been Ready since \(seconds(since)) although \(other), which had gone away, "
                          + "is Ready again since \(seconds(back)): \(name) does not recover by itself once \(other) returns "
                          + "(a connection pool that never reconnects, or a dependency checked only at start-up)")
        }
        return causes
    }

    /// Whether a request failed without naming a pod (a timeout, a refused or reset connection, a 5xx
    /// without the serving-pod header); nil for one the generator never sent (over its in-flight cap).
    static func unanswered(_ record: RequestRecord) -> Bool? {
        switch record.outcome {
        case .overload: return nil
        case .foreign: return false
        case .timeout, .connection: return true
        case .status(let code): return code >= 500 && record.servedBy == nil
        }
    }

    /// Requests that got no answer (timeouts, refused or reset connections) name no pod; they are
    /// matched with the pods that were Ready when they were sent. A pod whose Ready time holds the
    /// failures — a high failure rate while it is Ready, next to none while it is not — is one the
    /// cluster counted as Ready but that could not serve.
    static func unansweredCauses(records: RequestRecords, lines: [String: [(at: Double, state: Serving)]], minimum: Int) -> [String] {
        let names = Array(lines.keys)
        var total = 0
        var failedTotal = 0
        var with: [String: Int] = [:]
        var failedWith: [String: Int] = [:]
        for record in records {
            guard let failed = unanswered(record) else { continue }
            total += 1
            if failed { failedTotal += 1 }
            for name in names where state(of: name, at: record.start, in: lines) == .ready {
                with[name, default: 0] += 1
                if failed { failedWith[name, default: 0] += 1 }
            }
        }
        guard failedTotal >= minimum else { return [] }
        var suspects: [(name: String, rate: Double)] = []
        for name in names {
            let sent = with[name] ?? 0
            let failed = failedWith[name] ?? 0
            let sentWithout = total - sent
            // Enough of the load went by while the pod was not Ready to compare (a pod Ready all along says nothing).
            guard failed >= minimum, sent > 0, sentWithout >= max(20, total / 5) else { continue }
            let rate = Double(failed) / Double(sent)
            let rateWithout = Double(failedTotal - failed) / Double(sentWithout)
            if rate >= 0.2 && rate >= 5 * rateWithout { suspects.append((name, rate)) }
        }
        guard !suspects.isEmpty else { return [] }
        let names3 = suspects.sorted { ($0.rate, $1.name) > ($1.rate, $0.name) }.prefix(3).map(\.name).joined(separator: ", ")
            + (suspects.count > 3 ? ", …" : "")
        let failedWhileSuspectsReady = records.filter { record in
            unanswered(record) == true && suspects.contains { state(of: $0.name, at: record.start, in: lines) == .ready }
        }.count
        return ["\(failedWhileSuspectsReady) of \(failedTotal) requests that got no answer were sent while \(names3) "
                + "\(suspects.count == 1 ? "was" : "were") counted as Ready at that moment, and almost none while "
                + "\(suspects.count == 1 ? "it was" : "they were") not: pods the cluster called Ready could not serve, "
                + "so their readiness probe does not check what requests need"]
    }
}
