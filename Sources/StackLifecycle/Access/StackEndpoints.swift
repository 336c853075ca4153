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
    /// How they are reached: `NodePort on 10.250.0.1`, `minikube service` or `port-forward` (with
    /// `; the database through port-forward` when the rest goes through node ports).
    public var method: String
    /// For access that lasts only while labrun runs (tunnels, port-forwards), by workload: the command
    /// a person runs to reach it again after labrun exits. A workload without one has a URL that lasts
    /// (a NodePort).
    public var reopen: [String: String]

    public init(entries: [Endpoint], method: String, reopen: [String: String] = [:]) {
        self.entries = entries
        self.method = method
        self.reopen = reopen
    }

    /// Whether every URL still works after labrun exits.
    public var lasting: Bool { reopen.isEmpty }

    /// The entries whose URLs last after labrun exits.
    public var lastingEntries: [Endpoint] { entries.filter { reopen[$0.workload] == nil } }

    public func endpoint(_ workload: String) -> Endpoint? { entries.first { $0.workload == workload } }

    /// The base URL of a workload's Service.
    public func url(_ workload: String) -> String? { endpoint(workload)?.url }

    /// workload → how a person reaches it: a URL, or `host:port` for the database (the state file, `labrun status`).
    public func shown(for stack: Stack) -> [String: String] {
        Dictionary(uniqueKeysWithValues: entries.map { entry in
            (entry.workload, stack.workload(entry.workload)?.role == .database ? entry.address : entry.url)
        })
    }

    /// The lines `labrun up` prints: the UI first, then the API, then the rest; for a workload reached
    /// only while labrun ran, the command that reaches it again.
    public func summary(for stack: Stack) -> String {
        let order: [WorkloadRole?] = [.ui, .api, nil, .database]
        let sorted = entries.sorted { a, b in
            let ra = order.firstIndex(of: stack.workload(a.workload)?.role) ?? 2
            let rb = order.firstIndex(of: stack.workload(b.workload)?.role) ?? 2
            return (ra, a.workload) < (rb, b.workload)
        }
        let width = (sorted.map(\.workload.count).max() ?? 0) + 1
        let shown = self.shown(for: stack)
        let lines = sorted.map { entry in
            (entry.workload + ":").padding(toLength: width, withPad: " ", startingAt: 0) + " "
                + (reopen[entry.workload] ?? shown[entry.workload] ?? entry.url)
        }.joined(separator: "\n")
        guard !lasting else { return lines }
        let some = reopen.count < entries.count
        return (some ? "\(reopen.keys.sorted().joined(separator: ", ")) reached through port-forward or a tunnel while labrun ran; "
                     + "to reach it now, run the command shown (in its own terminal):\n"
                     : "the stack was reached through \(method) while labrun ran; to reach it now, run (each in its own terminal):\n")
            + lines
    }
}
