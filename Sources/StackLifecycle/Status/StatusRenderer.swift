import Foundation
import ClusterProviders

/// Renders a `StackStatusReport` as the plain-text table `labrun status` prints.
public struct StatusRenderer: Sendable {
    public init() {}

    public func render(_ report: StackStatusReport) -> String {
        var lines: [String] = []
        let started: String
        switch report.clusterOutcome {
        case .none, .alreadyRunning?:
            started = "not started by labrun" + (report.cluster.isRunning ? " (`labrun down` leaves it running)" : "")
        case .started?: started = "started by labrun"
        case .created?: started = "created by labrun"
        }
        lines.append(field("provider", "\(report.provider) (\(report.providerReason))"))
        var cluster = "\(report.cluster.phase.rawValue)"
        if !report.cluster.detail.isEmpty { cluster += ": \(report.cluster.detail)" }
        lines.append(field("cluster", cluster + "; " + started))
        var facts: [String] = []
        if let version = report.serverVersion ?? report.cluster.kubernetesVersion { facts.append("Kubernetes \(version)") }
        if let runtime = report.cluster.containerRuntime { facts.append("runtime \(runtime)") }
        if let kubeconfig = report.kubeconfig { facts.append("kubeconfig \(kubeconfig)") }
        if !facts.isEmpty { lines.append(field("", facts.joined(separator: " · "))) }
        if report.nodes.isEmpty {
            lines.append(field("nodes", "none seen"))
        }
        for node in report.nodes {
            lines.append(field("node", [node.name, node.ready ? "Ready" : "NotReady", node.kubeletVersion,
                                        node.containerRuntime, node.address].filter { !$0.isEmpty }.joined(separator: "  ")))
        }
        lines.append(field("namespace", report.namespace + (report.namespaceExists ? "" : " (not deployed)")))
        if let version = report.appVersion { lines.append(field("app", "version \(version) (the API's version header)")) }

        if !report.workloads.isEmpty {
            lines.append("")
            var rows = [["WORKLOAD", "READY", "UP-TO-DATE", "RESTARTS", "IMAGE"]]
            for workload in report.workloads {
                rows.append(["\(workload.kind)/\(workload.name)", "\(workload.ready)/\(workload.desired)",
                             "\(workload.upToDate)", "\(workload.restarts)", workload.images.joined(separator: ",")])
            }
            lines += table(rows)
        }
        if !report.endpoints.isEmpty {
            lines.append("")
            for name in report.endpoints.keys.sorted() { lines.append(field(name, report.endpoints[name] ?? "")) }
        }
        lines.append("")
        if report.leftovers.isEmpty {
            lines.append(field("leftovers", "none"))
        } else {
            lines.append(field("leftovers", "\(report.leftovers.count)"))
            lines += report.leftovers.map { "  - " + $0 }
        }
        for problem in report.problems { lines.append(field("problem", problem)) }
        lines.append(field("state", report.allReady ? "everything ready" : "NOT ready"))
        return lines.joined(separator: "\n")
    }

    func field(_ name: String, _ value: String) -> String {
        name.padding(toLength: 11, withPad: " ", startingAt: 0) + value
    }

    func table(_ rows: [[String]]) -> [String] {
        let widths = (0..<(rows.first?.count ?? 0)).map { column in rows.map { $0[column].count }.max() ?? 0 }
        return rows.map { row in
            row.enumerated().map { index, cell in
                index == row.count - 1 ? cell : cell.padding(toLength: widths[index] + 2, withPad: " ", startingAt: 0)
            }.joined()
        }
    }
}

