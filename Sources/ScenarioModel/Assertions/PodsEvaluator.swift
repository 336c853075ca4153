import Foundation

/// The `pods` assertion: conditions on a workload's pods at every moment of a window, judged from
/// the pods' lives (every readiness change, restart and termination the run's watch saw), so a dip
/// of a second between two polls is not missed.
public enum PodsEvaluator {
    public static func evaluate(_ spec: PodsAssertion, name: String, pods: [PodLifeEvent], window: ClosedRange<Double>,
                                windowName: String) -> AssertionResult {
        let kind = "pods"
        let events = pods.filter { $0.workload == spec.workload }.sorted { $0.at < $1.at }
        guard !pods.isEmpty else {
            return AssertionResult(name: name, kind: kind, verdict: .error,
                                   message: "no pod's life was recorded (the run's pod watch did not run), so nothing can be said of \(spec.workload)")
        }
        let span = String(format: "%@ (%.1f–%.1f s)", windowName, window.lowerBound, window.upperBound)
        var failures: [String] = []
        var details: [String] = []
        var measured: [String: Double] = [:]

        if let least = spec.readyAtLeast {
            // The ready pods at the window's start, then every change inside it.
            var ready = Set<String>()
            func apply(_ event: PodLifeEvent) {
                switch event.change {
                case .ready: ready.insert(event.pod)
                case .notReady, .deleting, .deleted, .evicted: ready.remove(event.pod)
                default: break
                }
            }
            for event in events where event.at <= window.lowerBound { apply(event) }
            var lowest = ready.count
            var firstBreak: (at: Double, ready: [String])?
            if ready.count < least { firstBreak = (window.lowerBound, ready.sorted()) }
            for event in events where event.at > window.lowerBound && event.at <= window.upperBound {
                apply(event)
                if ready.count < lowest { lowest = ready.count }
                if ready.count < least, firstBreak == nil { firstBreak = (event.at, ready.sorted()) }
            }
            measured["lowestReady"] = Double(lowest)
            if let broke = firstBreak {
                failures.append(String(format: "ready pods of %@ fell to %d (needs %d at every moment), first at %.1f s", spec.workload,
                                       lowest, least, broke.at)
                                + "; ready then: " + (broke.ready.isEmpty ? "none" : broke.ready.joined(separator: ", ")))
            } else {
                details.append("ready pods of \(spec.workload) never fewer than \(lowest) (needs \(least))")
            }
        }

        let inside = events.filter { window.contains($0.at) }
        if let most = spec.maxRestarts {
            let restarts = inside.filter { $0.change == .restarted }
            measured["restarts"] = Double(restarts.count)
            if restarts.count > most {
                let listed = restarts.prefix(5).map { String(format: "%@/%@ at %.1f s (%@)", $0.pod, $0.container ?? "?", $0.at, $0.detail) }
                failures.append("\(restarts.count) container restart(s) of \(spec.workload), at most \(most) allowed: "
                                + listed.joined(separator: "; ") + (restarts.count > 5 ? "; …" : ""))
            } else {
                details.append("\(restarts.count) container restart(s) of \(spec.workload) (at most \(most))")
            }
        }
        if spec.exitedByThemselves {
            let killed = inside.filter { ($0.change == .terminated || $0.change == .restarted) && $0.termination?.wasKilled == true }
            measured["killed"] = Double(killed.count)
            if !killed.isEmpty {
                let listed = killed.prefix(5).map { event in
                    String(format: "%@/%@ at %.1f s: %@", event.pod, event.container ?? "?", event.at, event.termination?.meaning ?? event.detail)
                }
                failures.append("\(killed.count) container(s) of \(spec.workload) did not exit by themselves: "
                                + listed.joined(separator: "; ") + (killed.count > 5 ? "; …" : ""))
            } else {
                let ended = inside.filter { $0.change == .terminated }.count
                details.append("\(ended) container(s) of \(spec.workload) ended, none killed")
            }
        }
        if failures.isEmpty {
            return .passed(name, kind: kind, "held throughout \(span)", details: details, measured: measured)
        }
        return .failed(name, kind: kind, "broke during \(span): " + failures.joined(separator: "; "), details: details, measured: measured)
    }
}
