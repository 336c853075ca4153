import HTTPClient
import LabrunCore

extension KubernetesClient {
    /// Asks the API server to evict a pod, as `kubectl drain` does: the server checks the pod's
    /// PodDisruptionBudgets and refuses with TooManyRequests (429, `isTooManyRequests`) while one of
    /// them allows no disruption; otherwise it deletes the pod gracefully. `policy/v1` first (served
    /// from Kubernetes 1.22), then `policy/v1beta1` for older servers, which refuse the newer body
    /// as a bad request.
    public func evict(pod name: String, namespace: String) async throws {
        let subject = KubernetesError.Subject(verb: "evict", kind: "Pod", namespace: namespace, name: name)
        let url = paths.url(paths.path(.pods, namespace: namespace, name: name, subresource: "eviction"))
        for version in ["policy/v1", "policy/v1beta1"] {
            let body: JSONValue = ["apiVersion": .string(version), "kind": "Eviction",
                                   "metadata": ["name": .string(name), "namespace": .string(namespace)]]
            do {
                _ = try await perform(try HTTPRequest.json(.post, url, body: body), subject)
                return
            } catch let error as LabrunError where version == "policy/v1" && error.kubernetesReason == .badRequest {
                continue
            }
        }
    }
}
