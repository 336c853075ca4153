import Foundation
import LabrunCore

/// Parsers for minikube's machine-readable output: `status -o json`, `profile list -o json`
/// and `image ls --format short`. Pure functions, tested against recorded output formats.
public enum MinikubeOutput {
    /// One node's line of `minikube status -o json`.
    public struct NodeStatus: Sendable, Equatable, Decodable {
        public var name: String
        public var host: String
        public var kubelet: String
        public var apiServer: String?
        public var kubeconfig: String?

        enum CodingKeys: String, CodingKey {
            case name = "Name", host = "Host", kubelet = "Kubelet", apiServer = "APIServer", kubeconfig = "Kubeconfig"
        }
    }

    /// What `minikube profile list -o json` says about one profile.
    public struct Profile: Sendable, Equatable {
        public var name: String
        public var status: String
        public var driver: String?
        public var kubernetesVersion: String?
        public var containerRuntime: String?
        public var nodeIP: String?
        public var cpus: Int?
        public var memoryMB: Int?
    }

    /// Parses `minikube status -o json` (one object, or an array for multi-node profiles) into
    /// a cluster state. A profile that does not exist reads as `absent`, whatever the exit code.
    public static func parseStatus(_ output: ProcessOutput, profile: String) -> ClusterState {
        let text = output.standardOutput.trimmingCharacters(in: .whitespacesAndNewlines)
        let combined = text + "\n" + output.standardError
        if output.exitCode == 85 || combined.contains("not found") && combined.contains("Profile") {
            return ClusterState(phase: .absent, detail: "profile \(profile) does not exist")
        }
        var nodes: [NodeStatus] = []
        if let data = text.data(using: .utf8) {
            if let many = try? JSONDecoder().decode([NodeStatus].self, from: data) {
                nodes = many
            } else if let one = try? JSONDecoder().decode(NodeStatus.self, from: data) {
                nodes = [one]
            }
        }
        guard !nodes.isEmpty else {
            let said = combined.trimmingCharacters(in: .whitespacesAndNewlines)
            return ClusterState(phase: .degraded, detail: said.isEmpty ? "minikube status said nothing (exit \(output.exitCode))" : said)
        }
        let detail = nodes.map { node in
            "\(node.name): host \(node.host), kubelet \(node.kubelet)" + (node.apiServer.map { ", apiserver \($0)" } ?? "")
        }.joined(separator: "; ")
        if nodes.allSatisfy({ $0.host == "Nonexistent" }) {
            return ClusterState(phase: .absent, detail: "profile \(profile) does not exist")
        }
        // Worker nodes report their API server as "Irrelevant".
        if nodes.allSatisfy({ $0.host == "Running" && $0.kubelet == "Running" && ["Running", "Irrelevant"].contains($0.apiServer ?? "Running") }) {
            return ClusterState(phase: .running, detail: detail)
        }
        if nodes.allSatisfy({ $0.host == "Stopped" }) {
            return ClusterState(phase: .stopped, detail: detail)
        }
        return ClusterState(phase: .degraded, detail: detail)
    }

    /// Parses `minikube profile list -o json` (valid and invalid profiles).
    public static func parseProfiles(_ json: String) throws -> [Profile] {
        guard let data = json.data(using: .utf8),
              let root = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else {
            throw LabrunError(id: ErrorID.minikubeOutput, exitCode: ExitCode.external,
                              message: "`minikube profile list -o json` printed something that is not a JSON object.",
                              advice: "Run it by hand; an old minikube may need updating (labrun expects v1.25 or later).",
                              debugDetail: json)
        }
        var profiles: [Profile] = []
        for key in ["valid", "invalid"] {
            for entry in root[key] as? [[String: Any]] ?? [] {
                let config = entry["Config"] as? [String: Any] ?? [:]
                let kube = config["KubernetesConfig"] as? [String: Any] ?? [:]
                let nodes = config["Nodes"] as? [[String: Any]] ?? []
                let control = nodes.first { ($0["ControlPlane"] as? Bool) == true } ?? nodes.first ?? [:]
                let ip = (control["IP"] as? String).flatMap { $0.isEmpty ? nil : $0 }
                profiles.append(Profile(
                    name: entry["Name"] as? String ?? config["Name"] as? String ?? "?",
                    status: key == "invalid" ? "Invalid" : (entry["Status"] as? String ?? "Unknown"),
                    driver: config["Driver"] as? String,
                    kubernetesVersion: kube["KubernetesVersion"] as? String ?? control["KubernetesVersion"] as? String,
                    containerRuntime: kube["ContainerRuntime"] as? String ?? control["ContainerRuntime"] as? String,
                    nodeIP: ip,
                    cpus: config["CPUs"] as? Int,
                    memoryMB: config["Memory"] as? Int))
            }
        }
        return profiles
    }

    /// Parses `minikube image ls --format short`: one reference per line, normalised so that
    /// `docker.io/labrun/todo-backend:abc` and `labrun/todo-backend:abc` compare equal.
    public static func parseImageList(_ text: String) -> Set<String> {
        Set(text.split(whereSeparator: \.isNewline)
            .map { $0.trimmingCharacters(in: .whitespaces) }
            .filter { !$0.isEmpty }
            .map(normaliseImage))
    }

    /// `docker.io/library/nginx:1` → `nginx:1`; `docker.io/labrun/x:1` → `labrun/x:1`; no tag → `:latest`.
    public static func normaliseImage(_ reference: String) -> String {
        var ref = reference
        for prefix in ["docker.io/library/", "docker.io/"] where ref.hasPrefix(prefix) {
            ref.removeFirst(prefix.count)
            break
        }
        let lastComponent = ref.split(separator: "/").last.map(String.init) ?? ref
        if !lastComponent.contains(":") && !ref.contains("@") { ref += ":latest" }
        return ref
    }
}
