import Foundation
import StackModel
import ScenarioModel

/// Values the load's operations captured from earlier answers (`capture: {id: /id}`), handed out in
/// turn to the operations that need them (`${id}`).
///
/// One per `LoadRunner` run or `CapacityProbe` run; thread-safe, since its requests answer concurrently.
/// What each operation needs and whether it is keyed is worked out once: scanning the templates per
/// request cost several per cent of the generator's CPU at thousands of requests a second.
final class CapturedValues: @unchecked Sendable {
    private let traffic: StackTraffic
    private let needs: [LoadOperation: [String]]
    private let keyed: Set<LoadOperation>
    private let lock = NSLock()
    private var values: [String: [String]] = [:]
    private var cursors: [String: Int] = [:]

    init(traffic: StackTraffic) {
        self.traffic = traffic
        needs = Dictionary(traffic.operations.map { (LoadOperation($0.name), $0.needs) }, uniquingKeysWith: { first, _ in first })
        keyed = Set(traffic.operations.filter(\.usesIdempotencyKey).map { LoadOperation($0.name) })
    }

    /// Whether the operation carries `${idempotencyKey}` (so each request gets a key of its own).
    func usesIdempotencyKey(_ operation: LoadOperation) -> Bool { keyed.contains(operation) }

    /// Remembers what a successful answer captured.
    func remember(_ captured: [String: String]) {
        guard !captured.isEmpty else { return }
        lock.withLock { for (name, value) in captured { values[name, default: []].append(value) } }
    }

    /// What to send for an operation the picker chose: an operation that needs a value nothing has
    /// captured yet is sent as the operation that captures it (an operation the validator requires
    /// in the mix), so `get` before any `create` becomes a `create`.
    func resolve(_ picked: LoadOperation) -> (operation: LoadOperation, variables: [String: String]) {
        var operation = picked
        // A chain of producers is at most as long as the list of operations.
        for _ in 0...traffic.operations.count {
            guard let needed = needs[operation] else { return (operation, [:]) }
            if needed.isEmpty { return (operation, [:]) }
            var variables: [String: String] = [:]
            var missing: String?
            lock.withLock {
                for name in needed {
                    guard let pool = values[name], !pool.isEmpty else { missing = name; return }
                    let cursor = cursors[name, default: 0]
                    cursors[name] = cursor + 1
                    variables[name] = pool[cursor % pool.count]
                }
            }
            guard let missing else { return (operation, variables) }
            guard let producer = traffic.producer(of: missing) else { return (operation, [:]) }
            operation = LoadOperation(producer.name)
        }
        return (operation, [:])
    }
}
