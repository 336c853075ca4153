import Foundation
import LabrunCore
import StackLifecycle
import StackModel
import Testing

/// `labrun init`'s draft: what it reads off rendered objects, and what it leaves to a person.
@Suite struct StackFileDraftTests {
    static let objects: [JSONValue] = [
        ["apiVersion": "apps/v1", "kind": "Deployment", "metadata": ["name": "web"],
         "spec": ["template": ["metadata": ["labels": ["app": "web"]],
                               "spec": ["containers": [["name": "web", "image": "acme/web:1.2",
                                                        "env": [["name": "APP_VERSION", "value": "1.2"]],
                                                        "readinessProbe": ["httpGet": ["path": "/health", "port": 80]]]]]]]],
        ["apiVersion": "v1", "kind": "Service", "metadata": ["name": "web"],
         "spec": ["selector": ["app": "web"], "ports": [["port": 80]]]],
        ["apiVersion": "apps/v1", "kind": "StatefulSet", "metadata": ["name": "db"],
         "spec": ["template": ["metadata": ["labels": ["app": "db"]],
                               "spec": ["containers": [["name": "postgres", "image": "postgres:16"]]]]]],
        ["apiVersion": "v1", "kind": "Service", "metadata": ["name": "db-headless"],
         "spec": ["clusterIP": "None", "selector": ["app": "db"], "ports": [["port": 5432]]]],
        ["apiVersion": "v1", "kind": "Service", "metadata": ["name": "db"],
         "spec": ["selector": ["app": "db"], "ports": [["port": 5432]]]],
    ]

    @Test func findsWorkloadsServicesRolesAndReadiness() {
        let text = StackFileDraft(name: "acme", source: .kustomize(directory: "deploy"), objects: Self.objects).render()
        #expect(text.contains("  name: acme\n"))
        #expect(text.contains("    repository: acme/web\n"))
        #expect(text.contains("    repository: postgres\n"))
        #expect(text.contains("  kustomize: \"deploy\"\n"))
        #expect(text.contains("  web:\n    kind: Deployment\n    role: api"))
        #expect(text.contains("    service: {name: web, port: 80, ready: \"/health\"}\n"))
        #expect(text.contains("    version: {env: APP_VERSION}\n"))
        #expect(text.contains("  db:\n    kind: StatefulSet\n    role: database"))
        #expect(text.contains("    service: {name: db, port: 5432}\n"), "the ClusterIP Service, not the headless one")
        #expect(text.contains("      path: \"/health\"\n"), "the one operation reads the readiness path")
        #expect(text.contains("TODO"))
    }

    @Test func withoutAServiceTheDraftSaysARoleIsMissing() {
        let lonely: [JSONValue] = [Self.objects[0]]
        let draft = StackFileDraft(name: "lonely", source: .helm(chart: "chart", release: "lonely", valuesFiles: ["v.yaml"], values: nil),
                                   objects: lonely)
        #expect(!draft.foundAPI)
        let text = draft.render()
        #expect(text.contains("give one `role: api`"))
        #expect(text.contains("  helm:\n    chart: \"chart\"\n    release: lonely\n    valuesFiles: [\"v.yaml\"]\n"))
    }

    @Test func labelsAreDNSLabels() {
        #expect(StackFileDraft.label("My_App.Images") == "my-app-images")
        #expect(StackFileDraft.label("__") == "image")
    }
}
