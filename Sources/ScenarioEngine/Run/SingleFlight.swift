/// Work done once however many callers ask for it at the same time: the first starts it, the
/// others wait for its result; a failure is not kept, so the next caller tries again. For the
/// images of scenarios that start together (`--parallel`): one build, not one per scenario.
actor SingleFlight<Value: Sendable> {
    private var value: Value?
    private var running: Task<Value, any Error>?

    func value(_ make: @escaping @Sendable () async throws -> Value) async throws -> Value {
        if let value { return value }
        if let running { return try await running.value }
        let task = Task { try await make() }
        running = task
        do {
            let made = try await task.value
            value = made
            running = nil
            return made
        } catch {
            running = nil
            throw error
        }
    }
}

/// One `SingleFlight` per key, for work shared by every caller in the process that names the same
/// key (the images of one stack on one provider, whichever driver asks).
actor SingleFlights<Value: Sendable> {
    private var flights: [String: SingleFlight<Value>] = [:]

    func value(for key: String, _ make: @escaping @Sendable () async throws -> Value) async throws -> Value {
        let flight = flights[key] ?? SingleFlight<Value>()
        flights[key] = flight
        return try await flight.value(make)
    }
}
