import Foundation
import LabrunCore
import PostgresClient
@testable import ScenarioEngine
import ScenarioModel
import Testing

/// An `sql` invariant sampled across a real PostgreSQL restart, through the code a run uses (the check
/// on a connection, the attempt that tells no answer from a wrong one, the sampler, the evaluator): the
/// samples while the server is down get no answer, never a wrong one, so "the 20 known rows are there
/// whenever the database answers" holds; a row that goes is a wrong answer whatever `allowUnavailable` says.
@Suite("An sql invariant across a real PostgreSQL 15 restart",
       .serialized, .enabled(if: PostgresTestServer.shouldRun, PostgresTestServer.skipComment), .postgresServer)
struct PostgresInvariantTests {
    /// The attempts so far, by outcome.
    final class Tally: @unchecked Sendable {
        private let lock = NSLock()
        private var counts = (matched: 0, mismatched: 0, unanswered: 0)
        func note(_ attempt: CheckAttempt) {
            lock.withLock {
                if !attempt.answered { counts.unanswered += 1 } else if attempt.result.verdict == .passed { counts.matched += 1 } else { counts.mismatched += 1 }
            }
        }
        var matched: Int { lock.withLock { counts.matched } }
        var mismatched: Int { lock.withLock { counts.mismatched } }
        var unanswered: Int { lock.withLock { counts.unanswered } }
    }

    static let known = SQLAssertion(query: "SELECT count(*) AS n FROM tasks WHERE idempotency_key LIKE $1", params: [.string("labrun-persist-%")],
                                    expect: .value(.number(20)),
                                    invariant: Invariant(throughout: "restart-postgres", every: .seconds(0.2), allowUnavailable: true))

    /// A sampler of `known` on a fresh connection per sample, as a run's samples are.
    static func sampler(_ configuration: PostgresConfiguration, tally: Tally) throws -> InvariantSampler {
        let spec = known
        let invariant = try #require(spec.invariant)
        return InvariantSampler(assertion: Assertion(name: "rows", .sql(spec)), invariant: invariant, clock: SystemClock()) { assertion in
            let attempt = await ClusterDriver.attempt(name: assertion.name, kind: "sql") {
                let connection = try await PostgresConnection.connect(configuration)
                do {
                    let result = try await ClusterDriver.sqlCheck(spec, name: assertion.name, on: connection)
                    await connection.close()
                    return result
                } catch {
                    await connection.close()
                    throw error
                }
            }
            tally.note(attempt)
            return attempt
        }
    }

    @Test func theKnownRowsAreThereWheneverTheDatabaseAnswersAndAMissingOneIsCaught() async throws {
        let server = try postgresServer()
        let setup = try await PostgresConnection.connect(server.configuration)
        try await setup.execute("CREATE TABLE tasks (id bigserial PRIMARY KEY, idempotency_key text UNIQUE)")
        for n in 1...20 { try await setup.execute("INSERT INTO tasks (idempotency_key) VALUES ($1)", ["labrun-persist-\(n)"]) }
        await setup.close()
        let wait = Wait(timeout: 120, interval: 0.05)
        let invariant = try #require(Self.known.invariant)

        // Sampled before, while and after the server is down.
        let tally = Tally()
        let sampler = try Self.sampler(server.configuration, tally: tally)
        let sampling = Task { await sampler.run(start: SystemClock().now()) }
        try await wait.until("three answered samples") { tally.matched >= 3 }
        try await server.pause()
        try await wait.until("two samples without an answer") { tally.unanswered >= 2 }
        try await server.resume()
        let answered = tally.matched
        try await wait.until("answers again") { tally.matched >= answered + 3 }
        sampling.cancel()
        var samples = await sampling.value
        samples.close(at: SystemClock().now())

        #expect(samples.mismatched == 0, "a restart gives no answer, never a wrong one: \(samples.firstMismatches.map(\.message))")
        #expect(samples.unanswered >= 2)
        for sample in samples.firstUnanswered {
            #expect(sample.message.hasPrefix("Could not connect to PostgreSQL") || sample.message.contains("terminating connection")
                    || sample.message.contains("closed the connection"), "\(sample.message)")
        }
        let held = InvariantEvaluator.evaluate(invariant, name: "rows", kind: "sql", samples: samples)
        #expect(held.verdict == .passed, "\(held.message)")
        #expect(held.message.contains("got no answer (allowed)"))
        var strict = invariant
        strict.allowUnavailable = false
        let broke = InvariantEvaluator.evaluate(strict, name: "rows", kind: "sql", samples: samples)
        #expect(broke.verdict == .failed && broke.message.contains(": no answer: "), "\(broke.message)")

        // A row goes: the next answer is wrong, and allowUnavailable does not excuse it.
        let writer = try await PostgresConnection.connect(server.configuration)
        try await writer.execute("DELETE FROM tasks WHERE idempotency_key = $1", ["labrun-persist-7"])
        await writer.close()
        let after = Tally()
        let second = try Self.sampler(server.configuration, tally: after)
        let resampling = Task { await second.run(start: SystemClock().now()) }
        try await wait.until("a sample after the delete") { after.mismatched >= 1 }
        resampling.cancel()
        let lost = InvariantEvaluator.evaluate(invariant, name: "rows", kind: "sql", samples: await resampling.value)
        #expect(lost.verdict == .failed)
        #expect(lost.message.contains("into the step): expected 20, got \"19\""), "\(lost.message)")
    }

    @Test func aQueryTheServersShutdownCutShortGotNoAnswer() async throws {
        let server = try postgresServer()
        let configuration = server.configuration
        let slow = SQLAssertion(query: "SELECT pg_sleep(60)::text AS slept", expect: .rowCount(1))
        let cut = Task {
            await ClusterDriver.attempt(name: "slow", kind: "sql") {
                let connection = try await PostgresConnection.connect(configuration)
                do {
                    let result = try await ClusterDriver.sqlCheck(slow, name: "slow", on: connection)
                    await connection.close()
                    return result
                } catch {
                    await connection.close()
                    throw error
                }
            }
        }
        let watcher = try await PostgresConnection.connect(configuration)
        try await Wait(timeout: 60, interval: 0.05).until("the slow query to run") {
            let running = try await watcher.query("SELECT count(*) FROM pg_stat_activity WHERE query LIKE 'SELECT pg_sleep(60)%'")
            return (running.rows.first?.values.first ?? nil).flatMap { Int($0) } ?? 0 > 0
        }
        await watcher.close()
        try await server.pause()
        let attempt = await cut.value
        try await server.resume()
        #expect(!attempt.answered, "\(attempt.result.message)")
        #expect(attempt.result.message.contains("terminating connection") || attempt.result.message.contains("closed the connection"),
                "\(attempt.result.message)")
    }
}
