import Foundation
import LabrunCore

/// Undo actions registered as a run creates things, run in reverse order on failure, timeout or
/// Ctrl-C. Undos run in a fresh task, so a cancelled run still cleans up.
public final class CleanupStack: @unchecked Sendable {
    private let lock = NSLock()
    private var actions: [(name: String, action: @Sendable () async throws -> Void)] = []

    public init() {}

    public func register(_ name: String, _ action: @escaping @Sendable () async throws -> Void) {
        lock.withLock { actions.append((name, action)) }
    }

    /// Forgets every undo (the run succeeded and keeps what it made).
    public func discard() { lock.withLock { actions.removeAll() } }

    public var names: [String] { lock.withLock { actions.map(\.name) } }

    /// Runs every undo, newest first, even when the calling task is cancelled; returns the
    /// failures as sentences.
    @discardableResult
    public func unwind(log: (@Sendable (String) -> Void)? = nil) async -> [String] {
        let pending = lock.withLock { () -> [(name: String, action: @Sendable () async throws -> Void)] in
            defer { actions.removeAll() }
            return actions.reversed()
        }
        return await Task {
            var failures: [String] = []
            for item in pending {
                log?("undo: \(item.name)")
                do { try await item.action() } catch {
                    failures.append("\(item.name): \(error)")
                }
            }
            return failures
        }.value
    }
}
