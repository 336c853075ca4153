import Foundation
import HTTPClient
import LabrunCore

/// A watch as an `AsyncSequence` of typed events that does not end on its own.
///
/// Without a starting `resourceVersion` it lists first (delivering what exists as `ADDED` when
/// `includeExisting`), then watches from the list's version. It resumes from the last version
/// seen when the server closes the stream (every `requestTimeout` seconds) or the connection
/// drops, and when the version is too old (410 Gone / Expired) it lists again and delivers the
/// difference (`ADDED`/`MODIFIED` for what changed, `DELETED` for what vanished meanwhile).
/// It throws when the server refuses the watch (e.g. Forbidden) or after
/// `maxConsecutiveFailures` failed reconnections. Stop it by leaving the `for` loop or
/// cancelling the task.
public struct KubernetesWatch<Object: Decodable & Sendable>: AsyncSequence, Sendable {
    public typealias Element = WatchEvent<Object>

    let client: KubernetesClient
    let resource: ResourceType
    let namespace: String?
    let options: WatchOptions

    public func makeAsyncIterator() -> Iterator {
        let (stream, continuation) = AsyncThrowingStream<WatchEvent<Object>, any Error>.makeStream()
        let runner = WatchRunner<Object>(client: client, resource: resource, namespace: namespace,
                                         options: options, output: continuation)
        let task = Task { await runner.run() }
        continuation.onTermination = { _ in task.cancel() }
        return Iterator(base: stream.makeAsyncIterator())
    }

    /// Iterates the events.
    public struct Iterator: AsyncIteratorProtocol {
        var base: AsyncThrowingStream<WatchEvent<Object>, any Error>.Iterator
        public mutating func next() async throws -> WatchEvent<Object>? { try await base.next() }
    }
}

/// The loop behind a `KubernetesWatch`: list, watch, resume, relist.
final class WatchRunner<Object: Decodable & Sendable>: @unchecked Sendable {
    let client: KubernetesClient
    let resource: ResourceType
    let namespace: String?
    let options: WatchOptions
    let output: AsyncThrowingStream<WatchEvent<Object>, any Error>.Continuation
    let decoder = WatchLineDecoder<Object>()
    // Touched only by `run()`'s task.
    private var known: [String: (version: String?, object: Object)] = [:]

    init(client: KubernetesClient, resource: ResourceType, namespace: String?, options: WatchOptions,
         output: AsyncThrowingStream<WatchEvent<Object>, any Error>.Continuation) {
        self.client = client
        self.resource = resource
        self.namespace = namespace
        self.options = options
        self.output = output
    }

    private var subject: KubernetesError.Subject {
        KubernetesError.Subject(verb: "watch", kind: resource.kind, namespace: namespace)
    }

    func run() async {
        do {
            try await loop()
            output.finish()
        } catch is CancellationError {
            output.finish()
        } catch {
            output.finish(throwing: error)
        }
    }

    private func loop() async throws {
        var version = options.resourceVersion
        if version == nil { version = try await relist(emit: options.includeExisting) }
        var failures = 0
        while !Task.isCancelled {
            do {
                let url = client.paths.watch(resource, namespace: namespace, options: options, resourceVersion: version)
                let (transport, request) = try await client.authorized(HTTPRequest(.get, url))
                let stream = try await transport.stream(request)
                if !stream.isSuccess {
                    let body = try await stream.readAll()
                    let error = KubernetesError.fromResponse(status: stream.status, body: body, subject: subject)
                    if error.isGone { version = try await relist(emit: true); continue }
                    if stream.status >= 500 || stream.status == 429 { throw Retry(error: error) }
                    throw error
                }
                let openedAt = client.clock.now()
                var received = 0
                var relisted = false
                for try await line in stream.lines {
                    received += 1
                    failures = 0
                    switch try decoder.decode(line) {
                    case .event(let event, let key):
                        if let rv = event.resourceVersion { version = rv }
                        if event.type == .deleted { known[key] = nil } else { known[key] = (event.resourceVersion, event.object) }
                        output.yield(event)
                    case .bookmark(let rv):
                        if !rv.isEmpty { version = rv }
                    case .error(let status):
                        let error = KubernetesError.fromStatus(status, httpStatus: status.code, subject: subject)
                        if error.isGone || status.code == 410 {
                            stream.cancel()
                            version = try await relist(emit: true)
                            relisted = true
                        } else if (status.code ?? 0) >= 500 {
                            stream.cancel()
                            throw Retry(error: error)
                        } else {
                            stream.cancel()
                            throw error
                        }
                    }
                    if relisted { break }
                }
                // The server ended the request (timeoutSeconds): resume from `version`. A stream that
                // ends at once with nothing in it counts as a failure, so a misbehaving server or
                // proxy cannot make the watch spin.
                if !relisted, received == 0, client.clock.now() - openedAt < 1 {
                    throw Retry(error: LabrunError(id: ErrorID.k8sWatchClosed, exitCode: ExitCode.external,
                                                   message: "The API server closed the watch of \(subject.object) at once, without events."))
                }
            } catch let retry as Retry {
                failures += 1
                try await backOff(failures, retry.error)
            } catch let error as LabrunError where error.id.hasPrefix(ErrorID.httpPrefix) && error.id != ErrorID.httpClosed {
                // Transport trouble (connection refused or dropped mid-stream): reconnect.
                failures += 1
                try await backOff(failures, error)
            }
        }
        throw CancellationError()
    }

    private struct Retry: Error { var error: LabrunError }

    private func backOff(_ failures: Int, _ error: LabrunError) async throws {
        guard failures <= options.maxConsecutiveFailures else {
            throw LabrunError(id: error.id, exitCode: error.exitCode,
                              message: "The watch of \(subject.object) failed \(failures) times in a row; last: \(error.message)",
                              advice: error.advice, debugDetail: error.debugDetail)
        }
        let delay = min(options.maxReconnectDelay, 0.2 * pow(2, Double(failures - 1)))
        try await client.clock.sleep(seconds: delay)
    }

    /// Lists, delivers the difference from what was known (when `emit`), and returns the list's version.
    private func relist(emit: Bool) async throws -> String? {
        let listOptions = ListOptions(labelSelector: options.labelSelector, fieldSelector: options.fieldSelector)
        let ns = resource.namespaced ? namespace : nil
        let url = client.paths.list(resource, namespace: ns, options: listOptions)
        let listSubject = KubernetesError.Subject(verb: "list", kind: resource.kind, namespace: ns)
        let response = try await client.perform(HTTPRequest(.get, url), listSubject)
        let items = try client.decode(ObjectList<Object>.self, response, listSubject)
        let metas = try client.decode(ObjectList<WatchLineDecoder<Object>.Probe.Object>.self, response, listSubject)
        var fresh: [String: (version: String?, object: Object)] = [:]
        for (item, probe) in zip(items.items, metas.items) {
            let meta = probe.metadata
            let key = (meta?.namespace.map { $0 + "/" } ?? "") + (meta?.name ?? "")
            fresh[key] = (meta?.resourceVersion, item)
            guard emit else { continue }
            if let old = known[key] {
                if old.version != meta?.resourceVersion {
                    output.yield(WatchEvent(type: .modified, object: item, resourceVersion: meta?.resourceVersion))
                }
            } else {
                output.yield(WatchEvent(type: .added, object: item, resourceVersion: meta?.resourceVersion))
            }
        }
        if emit {
            for (key, old) in known where fresh[key] == nil {
                output.yield(WatchEvent(type: .deleted, object: old.object, resourceVersion: old.version))
            }
        }
        known = fresh
        return items.resourceVersion
    }
}
