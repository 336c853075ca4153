import StackModel

/// Where the stack's Services can be reached from the host.
public struct StackEndpoints: Sendable, Equatable {
    /// One reachable Service.
    public struct Endpoint: Sendable, Equatable {
        /// The workload behind it (how scenarios and the stack file name it).
        public var workload: String
        /// `10.250.0.1` or `127.0.0.1`.
        public var host: String
        public var port: Int

        public init(workload: String, host: String, port: Int) {
            self.workload = workload
            self.host = host
            self.port = port
        }

        /// `10.250.0.1:31234` (IPv6 hosts in brackets).
        public var address: String { (host.contains(":") ? "[\(host)]" : host) + ":\(port)" }
        /// `http://10.250.0.1:31234`.
        public var url: String { "http://" + address }
    }

    /// By workload name, in the stack file's order.
    public var entries: [Endpoint]
    /// How they are reached: `NodePort on 10.250.0.1`, `minikube service` or `port-forward`.
    public var method: String
    /// For access that lasts only while labrun runs (tunnels, port-forwards): the commands a person
    /// runs to reach the stack again after it exits. Empty when the URLs last (NodePort).
    public var reopen: [String]

    public init(entries: [Endpoint], method: String, reopen: [String] = []) {
        self.entries = entries
        self.method = method
        self.reopen = reopen
    }

    /// Whether the URLs still work after labrun exits.
    public var lasting: Bool { reopen.isEmpty }

    public func endpoint(_ workload: String) -> Endpoint? { entries.first { $0.workload == workload } }

    /// The base URL of a workload's Service.
    public func url(_ workload: String) -> String? { endpoint(workload)?.url }

    /// workload → how a person reaches it: a URL, or `host:port` for the database (the state file, `labrun status`).
    public func shown(for stack: Stack) -> [String: String] {
        Dictionary(uniqueKeysWithValues: entries.map { entry in
            (entry.workload, stack.workload(entry.workload)?.role == .database ? entry.address : entry.url)
        })
    }

    /// The lines `labrun up` prints: the UI first, then the API, then the rest.
    public func summary(for stack: Stack) -> String {
        let order: [WorkloadRole?] = [.ui, .api, nil, .database]
        let sorted = entries.sorted { a, b in
            let ra = order.firstIndex(of: stack.workload(a.workload)?.role) ?? 2
            let rb = order.firstIndex(of: stack.workload(b.workload)?.role) ?? 2
            return (ra, a.workload) < (rb, b.workload)
        }
        let width = (sorted.map(\.workload.count).max() ?? 0) + 1
        let shown = self.shown(for: stack)
        // Reopen commands are in the entries' order (one per reachable workload).
        let commands = Dictionary(uniqueKeysWithValues: zip(entries.map(\.workload), reopen))
        let lines = sorted.map { entry in
            (entry.workload + ":").padding(toLength: width, withPad: " ", startingAt: 0) + " "
                + (lasting ? (shown[entry.workload] ?? entry.url) : (commands[entry.workload] ?? entry.url))
        }.joined(separator: "\n")
        guard !lasting else { return lines }
        return "the stack was reached through \(method) while labrun ran; to reach it now, run (each in its own terminal):\n" + lines
    }
}
