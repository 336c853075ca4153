/// Parser for `cluster/bare/status`: a table of components (`NAME up|down PID LOG`; an extra node's
/// are `NODE/COMPONENT`), then a line a node, `node NAME (ADDRESS) Ready: True|False|unknown` (or
/// `node NAME: no API server answering`).
public enum BareClusterStatus {
    public struct Component: Sendable, Equatable {
        public var name: String
        public var up: Bool
    }

    public struct Report: Sendable, Equatable {
        public var components: [Component]
        /// Every node reported Ready.
        public var nodeReady: Bool
        /// The nodes not Ready (or the API server not answering), as the script says it.
        public var nodeLine: String?
    }

    public static func parse(_ text: String) -> Report {
        var components: [Component] = []
        var nodeLines: [String] = []
        for raw in text.split(whereSeparator: \.isNewline) {
            let line = raw.trimmingCharacters(in: .whitespaces)
            let fields = line.split(separator: " ", omittingEmptySubsequences: true).map(String.init)
            if line.hasPrefix("node ") {
                nodeLines.append(line)
            } else if fields.count >= 2, fields[0] != "COMPONENT", fields[1] == "up" || fields[1] == "down" {
                components.append(Component(name: fields[0], up: fields[1] == "up"))
            }
        }
        let notReady = nodeLines.filter { !$0.hasSuffix("Ready: True") }
        return Report(components: components, nodeReady: !nodeLines.isEmpty && notReady.isEmpty,
                      nodeLine: notReady.isEmpty ? nodeLines.last : notReady.joined(separator: "; "))
    }

    /// The cluster state the report describes.
    public static func state(of report: Report, exitCode: Int32) -> ClusterState.Phase {
        let up = report.components.filter(\.up).count
        if exitCode == 0 && report.nodeReady && (report.components.isEmpty || up == report.components.count) {
            return .running
        }
        return up == 0 ? .stopped : .degraded
    }
}
