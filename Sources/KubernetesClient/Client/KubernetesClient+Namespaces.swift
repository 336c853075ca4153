import LabrunCore

extension KubernetesClient {
    /// Deletes a namespace with everything in it and waits until it is gone.
    ///
    /// Its pods are deleted at once (a grace period of 0; the kubelet then stops their containers):
    /// whoever calls this is done with them, and a terminating namespace accepts no new pods, so
    /// nothing replaces them. Left to their own grace
    /// periods (preStop sleeps, 30 s of SIGTERM notice) a lab namespace took 27-116 s to go, a quarter
    /// of a scenario's time in CI; this way it takes a few seconds.
    public func removeNamespace(_ name: String, timeout: Double, clock: any LabClock) async throws {
        try await requestNamespaceRemoval(name)
        _ = try await Wait(timeout: timeout, interval: 0.5, clock: clock).until("namespace \(name) to be deleted") { () async throws -> Poll<Bool> in
            do {
                let namespace = try await get(Namespace.self, name: name)
                return .pending(namespace.status?.phase ?? "Active")
            } catch let error as LabrunError where error.isNotFound {
                return .done(true)
            } catch let error as LabrunError where error.id.hasPrefix(ErrorID.httpPrefix) {
                // A dropped connection while the API server is busy deleting: ask again.
                return .pending(error.message)
            }
        }
    }

    /// Deletes a namespace and its pods (a grace period of 0, as `removeNamespace`) without waiting:
    /// the API server's namespace controller removes the rest (about 11 s per scenario namespace in CI)
    /// on its own, and a terminating namespace accepts nothing new.
    public func requestNamespaceRemoval(_ name: String) async throws {
        try await delete(Namespace.self, name: name, options: DeleteOptions(propagationPolicy: .foreground, ignoreNotFound: true))
        if let pods = try? await list(Pod.self, namespace: name).items {
            for pod in pods {
                try? await delete(Pod.self, name: pod.name, namespace: name,
                                  options: DeleteOptions(gracePeriodSeconds: 0, ignoreNotFound: true))
            }
        }
    }

    /// Waits until every one of `names` that is being deleted (Terminating) is gone, polling every
    /// `interval` seconds for at most `timeout`; returns those still there, sorted. A namespace that is
    /// not terminating (kept with `--keep`, reused) is not waited for; one the API server cannot be asked
    /// about right now is asked again.
    public func awaitRemoval(of names: [String], timeout: Double, interval: Double = 0.5, clock: any LabClock) async -> [String] {
        var waiting = Set(names)
        let deadline = clock.now() + timeout
        while true {
            for name in waiting.sorted() {
                do {
                    if try await get(Namespace.self, name: name).status?.phase != "Terminating" { waiting.remove(name) }
                } catch let error as LabrunError where error.isNotFound {
                    waiting.remove(name)
                } catch {}
            }
            if waiting.isEmpty || clock.now() >= deadline { return waiting.sorted() }
            do { try await clock.sleep(seconds: interval) } catch { return waiting.sorted() }
        }
    }
}
