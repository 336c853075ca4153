import HTTPClient
import KubernetesClient
import LabrunCore
import Testing

@Suite("Objects prepared for server-side apply")
struct ApplyDefaultsTests {
    @Test func servicePortsGetTCP() {
        let service: JSONValue = ["apiVersion": "v1", "kind": "Service", "metadata": ["name": "s"],
                                  "spec": ["ports": [["port": 80], ["port": 53, "protocol": "UDP"]]]]
        let filled = ApplyDefaults.fillPortProtocols(service)
        #expect(filled.value(at: "spec.ports.0.protocol") == .string("TCP"))
        #expect(filled.value(at: "spec.ports.1.protocol") == .string("UDP"))
    }

    @Test func containerPortsInTemplatesGetTCP() {
        let deployment: JSONValue = ["apiVersion": "apps/v1", "kind": "Deployment", "metadata": ["name": "d"],
                                     "spec": ["template": ["spec": ["containers": [["name": "c", "ports": [["containerPort": 8000]]],
                                                                                   ["name": "no-ports"]],
                                                                    "initContainers": [["name": "i", "ports": [["containerPort": 1]]]]]]]]
        let filled = ApplyDefaults.fillPortProtocols(deployment)
        #expect(filled.value(at: "spec.template.spec.containers.0.ports.0.protocol") == .string("TCP"))
        #expect(filled.value(at: "spec.template.spec.containers.1") == ["name": "no-ports"])
        #expect(filled.value(at: "spec.template.spec.initContainers.0.ports.0.protocol") == .string("TCP"))
    }

    @Test func otherKindsAreUntouched() {
        let policy: JSONValue = ["kind": "NetworkPolicy", "spec": ["ports": [["port": 80]]]]
        #expect(ApplyDefaults.fillPortProtocols(policy) == policy)
    }
}
