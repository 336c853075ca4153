import Foundation
import HTTPClient
import KubernetesClient
import LabrunCore
import Testing

@Suite("YAML manifests and JSONValue")
struct ManifestAndJSONTests {
    @Test func parsesMultiDocumentYAMLWithKubernetesTypes() throws {
        let objects = try ManifestParser.parseAll(try Fixture.text("valid-manifests.yaml"))
        #expect(objects.count == 4)   // empty documents skipped, List expanded
        let config = objects[0]
        #expect(config.value(at: "data.PORT") == .string("8000"))      // quoted stays a string
        #expect(config.value(at: "data.DEBUG") == .string("false"))
        #expect(config.value(at: "data.created") == .string("2024-05-01T10:00:00Z"))   // timestamps stay strings
        #expect(config.value(at: "metadata.labels.app.kubernetes.io/name") == nil)      // dotted path is not a key
        #expect(config.value(at: "metadata.labels")?["app.kubernetes.io/name"] == .string("todo"))
        let deployment = objects[1]
        #expect(deployment.value(at: "spec.replicas") == .number(3))
        #expect(deployment.value(at: "spec.paused") == .bool(false))
        #expect(deployment.value(at: "spec.template.spec.containers.0.ports.0.containerPort")?.intValue == 8000)
        #expect(deployment.value(at: "spec.template.spec.containers.0.resources.limits.cpu") == .number(0.5))
        #expect(objects[2].value(at: "metadata.name") == .string("a"))
        #expect(objects[3].value(at: "metadata.name") == .string("b"))
    }

    @Test func badYAMLIsAClearError() {
        do {
            _ = try ManifestParser.parseAll("a: [1, 2\nb: c", source: "broken.yaml")
            Issue.record("expected an error")
        } catch let error as LabrunError {
            #expect(error.id == "MANIFEST_INVALID")
            #expect(error.message.contains("broken.yaml"))
        } catch { Issue.record("unexpected \(error)") }
    }

    @Test func typedModelsIgnoreUnknownFieldsAndEncodeBack() throws {
        let json = #"{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"backend","generation":4,"managedFields":[{"x":1}]},"spec":{"replicas":2,"strategy":{"type":"RollingUpdate"},"template":{"spec":{"containers":[{"name":"b","image":"i","futureField":true}]}}},"status":{"observedGeneration":4,"replicas":2,"updatedReplicas":2,"availableReplicas":2}}"#
        let deployment = try JSONDecoder().decode(Deployment.self, from: Data(json.utf8))
        #expect(deployment.isRolledOut)
        #expect(deployment.spec?.strategy?["type"] == .string("RollingUpdate"))
        let back = try JSONValue(encoding: deployment)
        #expect(back.value(at: "spec.template.spec.containers.0.image") == .string("i"))
        #expect(back.value(at: "kind") == .string("Deployment"))
    }

    @Test func intOrStringPorts() throws {
        let service = try JSONDecoder().decode(Service.self, from: Data(#"{"metadata":{"name":"s"},"spec":{"type":"NodePort","ports":[{"port":80,"targetPort":"http","nodePort":30080},{"port":81,"targetPort":8081}]}}"#.utf8))
        #expect(service.spec?.ports?[0].targetPort == .string("http"))
        #expect(service.spec?.ports?[1].targetPort == .int(8081))
        #expect(service.spec?.ports?[0].nodePort == 30080)
    }
}
