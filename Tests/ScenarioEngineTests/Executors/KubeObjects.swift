import HTTPClient
import LabrunCore
import LabrunTestSupport

/// Kubernetes objects as an API server would answer them, for the scripted API of the executors'
/// tests (only the fields the executors read), and the paths they live at in namespace `lab`.
enum KubeObjects {
    static let pods = "/api/v1/namespaces/lab/pods"
    static let deployments = "/apis/apps/v1/namespaces/lab/deployments"
    static let statefulSets = "/apis/apps/v1/namespaces/lab/statefulsets"
    static let replicaSets = "/apis/apps/v1/namespaces/lab/replicasets"
    static let networkPolicies = "/apis/networking.k8s.io/v1/namespaces/lab/networkpolicies"

    /// The labels every workload's pods carry in these tests.
    static func labels(_ workload: String) -> JSONValue { ["app": .string(workload)] }

    /// A pod of `workload`: created at second `created`, ready or not, with one container.
    static func pod(_ name: String, uid: String? = nil, workload: String = "backend", created: Int = 0, ready: Bool = true,
                    deleting: Bool = false, container: String = "backend", containerID: String? = nil, restarts: Int = 0,
                    claims: [String] = [], node: String? = nil, ip: String? = nil, port: Int? = nil,
                    revision: String? = nil, lastReason: String? = nil, lastExitCode: Int? = nil) -> JSONValue {
        var metadata: [String: JSONValue] = ["name": .string(name), "uid": .string(uid ?? "uid-\(name)"), "labels": labels(workload),
                                             "creationTimestamp": .string("2026-01-01T00:00:\(created < 10 ? "0" : "")\(created)Z")]
        if deleting { metadata["deletionTimestamp"] = "2026-01-01T00:01:00Z" }
        if let revision { metadata["labels"] = ["app": .string(workload), "controller-revision-hash": .string(revision)] }
        var status: [String: JSONValue] = ["name": .string(container), "restartCount": .number(Double(restarts))]
        if let containerID { status["containerID"] = .string(containerID) }
        if let lastReason {
            var terminated: [String: JSONValue] = ["reason": .string(lastReason)]
            if let lastExitCode { terminated["exitCode"] = .number(Double(lastExitCode)) }
            status["lastState"] = ["terminated": .object(terminated)]
        }
        var containerSpec: [String: JSONValue] = ["name": .string(container)]
        if let port { containerSpec["ports"] = [["containerPort": .number(Double(port)), "protocol": "TCP"]] }
        var spec: [String: JSONValue] = ["containers": [.object(containerSpec)],
                                         "volumes": .array(claims.map { ["name": "data", "persistentVolumeClaim": ["claimName": .string($0)]] })]
        if let node { spec["nodeName"] = .string(node) }
        var podStatus: [String: JSONValue] = ["phase": "Running", "conditions": [["type": "Ready", "status": .string(ready ? "True" : "False")]],
                                              "containerStatuses": [.object(status)]]
        if let ip { podStatus["podIP"] = .string(ip) }
        return ["metadata": .object(metadata), "spec": .object(spec), "status": .object(podStatus)]
    }

    /// A Deployment (or, with `kind`, a StatefulSet) selecting `app: <name>`.
    static func workload(_ name: String, kind: String = "Deployment", replicas: Int = 1, generation: Int = 1,
                         container: String = "backend", status: JSONValue = [:]) -> JSONValue {
        [
            "apiVersion": "apps/v1", "kind": .string(kind),
            "metadata": ["name": .string(name), "generation": .number(Double(generation))],
            "spec": ["replicas": .number(Double(replicas)), "selector": ["matchLabels": labels(name)],
                     "template": ["spec": ["containers": [["name": .string(container)]]]]],
            "status": status,
        ]
    }

    /// A Deployment's status once `replicas` are updated and available for `generation`.
    static func rolledOut(_ replicas: Int, generation: Int) -> JSONValue {
        let count = JSONValue.number(Double(replicas))
        return ["observedGeneration": .number(Double(generation)), "replicas": count, "updatedReplicas": count,
                "readyReplicas": count, "availableReplicas": count]
    }

    /// A ReplicaSet with `replicas`.
    static func replicaSet(_ name: String, replicas: Int) -> JSONValue {
        ["metadata": ["name": .string(name)], "spec": ["replicas": .number(Double(replicas))]]
    }

    /// An answer of the API server with `object` as its body.
    static func answer(_ object: JSONValue, status: Int = 200) -> HTTPResponse { .json(status, object.jsonString) }

    /// The API server's answer for an object that does not exist.
    static let notFound = HTTPResponse.json(404, #"{"kind":"Status","status":"Failure","reason":"NotFound","code":404}"#)

    /// A list of objects.
    static func list(_ items: [JSONValue]) -> JSONValue { ["metadata": ["resourceVersion": "1"], "items": .array(items)] }
}
