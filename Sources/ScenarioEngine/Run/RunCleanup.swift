import Foundation
import LabrunCore
import ScenarioModel

/// The run's undo stack: everything a run creates registers how to undo it, and the undos run
/// newest first on success, failure, timeout and cancellation (Ctrl-C / SIGTERM).
///
/// Undos run in a fresh task, so they still run when the run's own task is cancelled, and each
/// has its own time limit so one stuck undo cannot keep the others from running.
public final class RunCleanup: @unchecked Sendable {
    /// One registered undo.
    public struct Undo: Sendable {
        public var name: String
        public var timeout: Double
        public var action: @Sendable () async throws -> Void
    }

    private let lock = NSLock()
    private var undos: [(id: Int, undo: Undo)] = []
    private var nextID = 0

    public init() {}

    /// Registers an undo; returns a token that `remove(_:)` takes when the thing was undone early.
    @discardableResult
    public func register(_ name: String, timeout: Double = 180, _ action: @escaping @Sendable () async throws -> Void) -> Int {
        lock.withLock {
            nextID += 1
            undos.append((nextID, Undo(name: name, timeout: timeout, action: action)))
            return nextID
        }
    }

    /// Forgets an undo that is no longer needed (its thing was already undone).
    public func remove(_ token: Int) { lock.withLock { undos.removeAll { $0.id == token } } }

    /// Names of the pending undos, oldest first.
    public var names: [String] { lock.withLock { undos.map(\.undo.name) } }

    /// Runs every pending undo, newest first, each bounded by its timeout, even when the calling task
    /// is cancelled. Returns one result per undo (block `cleanup`).
    public func unwind(clock: any LabClock, log: (@Sendable (String) -> Void)? = nil) async -> [OperationResult] {
        let pending = lock.withLock { () -> [Undo] in
            defer { undos.removeAll() }
            return undos.reversed().map(\.undo)
        }
        return await Task {
            var results: [OperationResult] = []
            for undo in pending {
                log?("undo: \(undo.name)")
                let start = clock.now()
                do {
                    try await OperationTimeout.run(seconds: undo.timeout, clock: clock, what: "undo \(undo.name)") {
                        try await undo.action()
                    }
                    results.append(OperationResult(block: "cleanup", action: undo.name, verdict: .passed, start: start, end: clock.now()))
                } catch {
                    let message = RunFailure.describe(error)
                    log?("undo failed: \(undo.name): \(message)")
                    results.append(OperationResult(block: "cleanup", action: undo.name, verdict: .failed, start: start,
                                                   end: clock.now(), message: message))
                }
            }
            return results
        }.value
    }
}
