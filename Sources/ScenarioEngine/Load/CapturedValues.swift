import Foundation
import StackModel
import ScenarioModel

/// Values the load's operations captured from earlier answers (`capture: {id: /id}`), handed out in
/// turn to the operations that need them (`${id}`).
///
/// With users (`traffic.auth.jwt`), each operation's requests take the users in turn (the `k`-th request
/// the picker chose as `create` acts as user `k mod users`, `${user}`): taking them by the request's
/// number instead lined the mix's repeating pattern up with the users, so that with a mix of 1:15:4 and
/// four users one user made every new conversation and the others talked in one each. A value is
/// handed only to requests of the user whose answer captured it: an API scoped per user would answer
/// 404 to another user's `${id}`, and the load would measure its own mistake.
///
/// One per `LoadRunner` run or `CapacityProbe` run; thread-safe, since its requests answer concurrently.
/// What each operation needs and whether it is keyed is worked out once: scanning the templates per
/// request cost several per cent of the generator's CPU at thousands of requests a second.
final class CapturedValues: @unchecked Sendable {
    private let traffic: StackTraffic
    private let needs: [LoadOperation: [String]]
    private let keyed: Set<LoadOperation>
    private let users: [String]
    private let lock = NSLock()
    /// By user (empty without users), then variable.
    private var values: [String: [String: [String]]] = [:]
    private var cursors: [String: [String: Int]] = [:]
    /// Per operation the picker chose: how many requests it had, for taking the users in turn.
    private var picks: [LoadOperation: Int] = [:]

    init(traffic: StackTraffic) {
        self.traffic = traffic
        users = traffic.auth?.users ?? []
        needs = Dictionary(traffic.operations.map { (LoadOperation($0.name), $0.needs) }, uniquingKeysWith: { first, _ in first })
        keyed = Set(traffic.operations.filter(\.usesIdempotencyKey).map { LoadOperation($0.name) })
    }

    /// The session a request belongs to (`traffic.session`): the value it carries, else the one its answer captured.
    func session(of request: LoadRequest, captured: [String: String]) -> String? {
        guard let name = traffic.session else { return nil }
        return request.variables[name] ?? captured[name]
    }

    /// Whether the operation carries `${idempotencyKey}` (so each request gets a key of its own).
    func usesIdempotencyKey(_ operation: LoadOperation) -> Bool { keyed.contains(operation) }

    /// Remembers what a successful answer to a request with `variables` (its `user`) captured.
    func remember(_ captured: [String: String], variables: [String: String]) {
        guard !captured.isEmpty else { return }
        let user = variables["user"] ?? ""
        lock.withLock { for (name, value) in captured { values[user, default: [:]][name, default: []].append(value) } }
    }

    /// What to send for an operation the picker chose (and as which user): an operation that needs a
    /// value nothing has captured yet (for its user) is sent as the operation that captures it (an
    /// operation the validator requires in the mix), so `get` before any `create` becomes a `create`.
    func resolve(_ picked: LoadOperation) -> (operation: LoadOperation, variables: [String: String]) {
        let user = users.isEmpty ? nil : users[lock.withLock {
            defer { picks[picked, default: 0] += 1 }
            return picks[picked, default: 0] % users.count
        }]
        let base = user.map { ["user": $0] } ?? [:]
        var operation = picked
        // A chain of producers is at most as long as the list of operations.
        for _ in 0...traffic.operations.count {
            guard let needed = needs[operation] else { return (operation, base) }
            let wanted = needed.filter { $0 != "user" }
            if wanted.isEmpty { return (operation, base) }
            var variables = base
            var missing: String?
            lock.withLock {
                for name in wanted {
                    guard let pool = values[user ?? ""]?[name], !pool.isEmpty else { missing = name; return }
                    let cursor = cursors[user ?? "", default: [:]][name, default: 0]
                    cursors[user ?? "", default: [:]][name] = cursor + 1
                    variables[name] = pool[cursor % pool.count]
                }
            }
            guard let missing else { return (operation, variables) }
            guard let producer = traffic.producer(of: missing) else { return (operation, base) }
            operation = LoadOperation(producer.name)
        }
        return (operation, base)
    }
}
