import Foundation
import HTTPClient
import KubernetesClient
import LabrunCore
import LabrunTestSupport
import Testing

@Suite("KubernetesClient against a scripted transport")
struct KubernetesClientFakeTests {
    func client(_ transport: FakeHTTPTransport, namespace: String = "todo") throws -> KubernetesClient {
        try KubernetesClient(configuration: KubernetesConfiguration(server: "https://k8s.test:6443", namespace: namespace),
                             http: transport, clock: ManualClock())
    }

    func pod(_ name: String, _ version: String, phase: String = "Running") -> String {
        #"{"apiVersion":"v1","kind":"Pod","metadata":{"name":"\#(name)","namespace":"todo","resourceVersion":"\#(version)"},"status":{"phase":"\#(phase)"}}"#
    }

    func event(_ type: String, _ object: String) -> String { #"{"type":"\#(type)","object":\#(object)}"# + "\n" }

    @Test func getUsesTheDefaultNamespaceAndDecodes() async throws {
        let transport = FakeHTTPTransport { _ in .json(200, #"{"metadata":{"name":"web-0","namespace":"todo"},"status":{"phase":"Running","conditions":[{"type":"Ready","status":"True"}]}}"#) }
        let pod = try await client(transport).get(Pod.self, name: "web-0")
        #expect(pod.isReady)
        #expect(transport.requests.first?.url == "https://k8s.test:6443/api/v1/namespaces/todo/pods/web-0")
        #expect(transport.requests.first?.method == .get)
    }

    @Test func notFoundBecomesATypedError() async throws {
        let transport = FakeHTTPTransport { _ in .json(404, #"{"kind":"Status","reason":"NotFound","message":"deployments.apps \"nope\" not found","code":404}"#) }
        do {
            _ = try await client(transport).get(Deployment.self, name: "nope", namespace: "other")
            Issue.record("expected an error")
        } catch let error as LabrunError {
            #expect(error.isNotFound)
            #expect(error.message.hasPrefix("Could not get Deployment other/nope"))
        }
    }

    @Test func deleteCanIgnoreNotFound() async throws {
        let transport = FakeHTTPTransport { _ in .json(404, #"{"kind":"Status","reason":"NotFound","code":404}"#) }
        try await client(transport).delete(Pod.self, name: "gone", options: DeleteOptions(gracePeriodSeconds: 0, ignoreNotFound: true))
        #expect(transport.requests.first?.method == .delete)
        #expect(transport.requests.first?.url.hasSuffix("/pods/gone?gracePeriodSeconds=0") == true)
    }

    @Test func awaitRemovalWaitsOnlyForTerminatingNamespacesUntilTheyGoOrTimeRunsOut() async throws {
        // "going" is gone at its third poll, "kept" is Active (not waited for), "stuck" never goes and
        // "flaky" fails once, then is gone.
        let polls = LockedCounter()
        let transport = FakeHTTPTransport { request in
            let name = String(request.url.split(separator: "/").last ?? "")
            let n = polls.next(name)
            func namespace(_ phase: String) -> HTTPResponse { .json(200, #"{"metadata":{"name":"\#(name)"},"status":{"phase":"\#(phase)"}}"#) }
            switch name {
            case "going": return n < 3 ? namespace("Terminating") : .json(404, #"{"kind":"Status","reason":"NotFound","code":404}"#)
            case "kept": return namespace("Active")
            case "flaky": return n < 2 ? .json(503, #"{"kind":"Status","reason":"ServiceUnavailable","code":503}"#) : .json(404, #"{"kind":"Status","reason":"NotFound","code":404}"#)
            default: return namespace("Terminating")
            }
        }
        let clock = ManualClock()
        let left = try await client(transport).awaitRemoval(of: ["stuck", "going", "kept", "flaky"], timeout: 10, interval: 1, clock: clock)
        #expect(left == ["stuck"])
        #expect(clock.now() == 10)
        #expect(polls.count("going") == 3)
        #expect(polls.count("kept") == 1)
        #expect(polls.count("stuck") == 11)

        let none = try await client(transport).awaitRemoval(of: [], timeout: 10, clock: clock)
        #expect(none.isEmpty)
    }

    @Test func createFillsTheNamespaceAndSendsJSON() async throws {
        let transport = FakeHTTPTransport { request in .json(201, String(decoding: request.body ?? Data(), as: UTF8.self)) }
        let created = try await client(transport).create(.configMaps, ["apiVersion": "v1", "kind": "ConfigMap", "metadata": ["name": "cfg"], "data": ["a": "1"]])
        #expect(created.value(at: "metadata.namespace")?.stringValue == "todo")
        let request = try #require(transport.requests.first)
        #expect(request.method == .post)
        #expect(request.headers["Content-Type"] == "application/json")
        #expect(request.url == "https://k8s.test:6443/api/v1/namespaces/todo/configmaps?fieldManager=labrun")
    }

    @Test func patchesUseTheRightContentTypes() async throws {
        let transport = FakeHTTPTransport { _ in .json(200, #"{"metadata":{"name":"backend"},"spec":{"replicas":3}}"#) }
        let kube = try client(transport)
        let scaled = try await kube.patch(Deployment.self, name: "backend", .merge(["spec": ["replicas": 3]]))
        #expect(scaled.spec?.replicas == 3)
        _ = try await kube.patch(Deployment.self, name: "backend", .json([.replace("/spec/replicas", 2)]))
        let requests = transport.requests
        #expect(requests[0].headers["Content-Type"] == "application/merge-patch+json")
        #expect(String(decoding: requests[0].body ?? Data(), as: UTF8.self) == #"{"spec":{"replicas":3}}"#)
        #expect(requests[1].headers["Content-Type"] == "application/json-patch+json")
        #expect(String(decoding: requests[1].body ?? Data(), as: UTF8.self).contains(#""op":"replace""#))
    }

    @Test func applyManifestsUsesServerSideApply() async throws {
        let transport = FakeHTTPTransport { request in .json(200, String(decoding: request.body ?? Data(), as: UTF8.self)) }
        let yaml = try Fixture.text("valid-manifests.yaml")
        let applied = try await client(transport).apply(manifests: yaml, namespace: "lab")
        #expect(applied.count == 4)
        let requests = transport.requests
        #expect(requests.allSatisfy { $0.method == .patch && $0.headers["Content-Type"] == "application/apply-patch+yaml" })
        #expect(requests[0].url == "https://k8s.test:6443/api/v1/namespaces/lab/configmaps/backend?fieldManager=labrun&force=true")
        #expect(requests[1].url == "https://k8s.test:6443/apis/apps/v1/namespaces/lab/deployments/backend?fieldManager=labrun&force=true")
        #expect(applied[1].value(at: "spec.replicas")?.intValue == 3)
        #expect(String(decoding: requests[1].body ?? Data(), as: UTF8.self).contains(#""replicas":3"#))
    }

    @Test func watchListsThenStreamsTypedEvents() async throws {
        let list = #"{"kind":"PodList","metadata":{"resourceVersion":"10"},"items":[\#(pod("a", "9"))]}"#
        let transport = FakeHTTPTransport(streams: [
            .init(chunks: [event("MODIFIED", pod("a", "11")), event("ADDED", pod("b", "12")).dropLast(20).description,
                           String(event("ADDED", pod("b", "12")).suffix(20)), event("DELETED", pod("a", "13"))]),
        ]) { _ in .json(200, list) }
        var seen: [String] = []
        for try await event in try client(transport).watch(Pod.self, namespace: "todo") {
            seen.append("\(event.type.rawValue) \(event.object.name) \(event.resourceVersion ?? "")")
            if seen.count == 4 { break }
        }
        #expect(seen == ["ADDED a 9", "MODIFIED a 11", "ADDED b 12", "DELETED a 13"])
        let urls = transport.requests.map(\.url)
        #expect(urls[0] == "https://k8s.test:6443/api/v1/namespaces/todo/pods")
        #expect(urls[1].contains("watch=1") && urls[1].contains("resourceVersion=10"))
    }

    @Test func watchResumesAfterADroppedStreamFromTheLastVersion() async throws {
        let list = #"{"metadata":{"resourceVersion":"10"},"items":[]}"#
        let dropped = LabrunError(id: "HTTP_TRANSPORT", message: "connection reset")
        let transport = FakeHTTPTransport(streams: [
            .init(chunks: [event("ADDED", pod("a", "11"))], failure: dropped),
            .init(chunks: [#"{"type":"BOOKMARK","object":{"metadata":{"resourceVersion":"15"}}}"# + "\n"]),
            .init(chunks: [event("MODIFIED", pod("a", "16"))]),
        ]) { _ in .json(200, list) }
        var seen: [String] = []
        for try await event in try client(transport).watch(Pod.self, namespace: "todo") {
            seen.append("\(event.type.rawValue) \(event.resourceVersion ?? "")")
            if seen.count == 2 { break }
        }
        #expect(seen == ["ADDED 11", "MODIFIED 16"])
        let watches = transport.requests.map(\.url).filter { $0.contains("watch=1") }
        #expect(watches.count >= 3)   // after the last script ends the watch reconnects again
        #expect(watches[1].contains("resourceVersion=11"))   // resumed after the drop
        #expect(watches[2].contains("resourceVersion=15"))   // resumed from the bookmark
    }

    @Test func watchRelistsOnGoneAndDeliversTheDifference() async throws {
        let lists = Counter()
        let transport = FakeHTTPTransport(streams: [
            .init(chunks: [#"{"type":"ERROR","object":{"kind":"Status","reason":"Expired","message":"too old resource version","code":410}}"# + "\n"]),
            .init(chunks: [event("ADDED", pod("d", "40"))]),
        ]) { _ in
            if lists.next() == 0 {
                return .json(200, #"{"metadata":{"resourceVersion":"10"},"items":[\#(pod("a", "5")),\#(pod("b", "6"))]}"#)
            }
            // After the 410: a is gone, b changed, c is new.
            return .json(200, #"{"metadata":{"resourceVersion":"30"},"items":[\#(pod("b", "25")),\#(pod("c", "26"))]}"#)
        }
        var seen: [String] = []
        for try await event in try client(transport).watch(Pod.self, namespace: "todo") {
            seen.append("\(event.type.rawValue) \(event.object.name)")
            if seen.count == 6 { break }
        }
        #expect(seen.prefix(2) == ["ADDED a", "ADDED b"])
        #expect(Set(seen[2..<5]) == ["MODIFIED b", "ADDED c", "DELETED a"])
        #expect(seen.last == "ADDED d")
        let watches = transport.requests.map(\.url).filter { $0.contains("watch=1") }
        #expect(watches.count >= 2)
        #expect(watches.dropFirst().first?.contains("resourceVersion=30") == true)   // watched from the relist's version
    }

    @Test func watchGivesUpOnAServerThatClosesAtOnce() async throws {
        let transport = FakeHTTPTransport(streams: Array(repeating: .init(chunks: []), count: 10)) { _ in
            .json(200, #"{"metadata":{"resourceVersion":"1"},"items":[]}"#)
        }
        do {
            for try await _ in try client(transport).watch(Pod.self, namespace: "todo", options: WatchOptions(maxConsecutiveFailures: 3)) {}
            Issue.record("expected an error")
        } catch let error as LabrunError {
            #expect(error.id == "K8S_WATCH_CLOSED")
            #expect(error.message.contains("failed 4 times in a row"))
        }
        #expect(transport.requests.filter { $0.url.contains("watch=1") }.count == 4)
    }

    @Test func watchThrowsWhenTheServerRefuses() async throws {
        let transport = FakeHTTPTransport(streams: [
            .init(status: 403, chunks: [#"{"kind":"Status","reason":"Forbidden","message":"pods is forbidden","code":403}"#]),
        ]) { _ in .json(200, #"{"metadata":{"resourceVersion":"1"},"items":[]}"#) }
        do {
            for try await _ in try client(transport).watch(Pod.self, namespace: "todo") {}
            Issue.record("expected an error")
        } catch let error as LabrunError {
            #expect(error.isForbidden)
            #expect(error.message.contains("watch Pod objects in namespace todo"))
        }
    }
}

/// A thread-safe counter for scripted handlers.
final class Counter: @unchecked Sendable {
    private let lock = NSLock()
    private var value = 0
    func next() -> Int { lock.withLock { defer { value += 1 }; return value } }
}

/// How often each name was asked for (the scripted transport's closure runs on any thread).
private final class LockedCounter: @unchecked Sendable {
    private let lock = NSLock()
    private var counts: [String: Int] = [:]
    func next(_ name: String) -> Int { lock.withLock { counts[name, default: 0] += 1; return counts[name]! } }
    func count(_ name: String) -> Int { lock.withLock { counts[name] ?? 0 } }
}
