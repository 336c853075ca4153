import Foundation

/// The tasks a load has created so far, handed out in turn to its `get` and `complete` requests.
///
/// One per `LoadRunner` run or `CapacityProbe` run; thread-safe, since its requests answer concurrently.
final class CreatedTasks: @unchecked Sendable {
    private let lock = NSLock()
    private var ids: [String] = []
    private var cursor = 0

    /// Remembers a task a successful `create` returned.
    func remember(_ id: String) { lock.withLock { ids.append(id) } }

    /// Created tasks in turn (round robin), or nil before the first create succeeded.
    func next() -> String? {
        lock.withLock {
            guard !ids.isEmpty else { return nil }
            defer { cursor += 1 }
            return ids[cursor % ids.count]
        }
    }

    /// What to send for an operation the picker chose: `get` and `complete` act on a created task, and
    /// are sent as a `create` while there is none yet.
    func resolve(_ picked: LoadOperation) -> (operation: LoadOperation, taskID: String?) {
        switch picked {
        case .get, .complete:
            guard let id = next() else { return (.create, nil) }
            return (picked, id)
        case .list, .create:
            return (picked, nil)
        }
    }
}
