import LabrunCore
import Testing
@testable import ScenarioEngine
@testable import ScenarioModel

/// `http` and `sql` assertions as invariants (`throughout`): the file form and its refusals, the samples'
/// bounded record, and the verdict from the samples (issue 12, item 1).
@Suite struct InvariantTests {
    static let header = "apiVersion: labrun.dev/v1alpha1\nkind: Scenario\nmetadata:\n  name: x\n  description: d\n"
        + "steps:\n  - name: roll\n    action:\n      wait: 1s\n"
    static let load = "load:\n  rate: 5\n"

    func parse(_ body: String, load: Bool = false) -> Result<Scenario, ScenarioValidationError> {
        ScenarioParser(stack: TestStacks.todo).parse(yaml: Self.header + (load ? Self.load : "") + body,
                                                     file: "scenarios/x.yaml", expectedName: "x")
    }

    func errors(_ body: String, load: Bool = false) -> [String] {
        switch parse(body, load: load) {
        case .success: return []
        case .failure(let error): return error.errors.map { "\($0.path): \($0.message)" }
        }
    }

    // MARK: the file form

    @Test func anHTTPOrSQLAssertionWithThroughoutIsAnInvariantOverAStepOrAPhase() throws {
        let body = """
        assertions:
          - http: {path: /api/tasks, throughout: roll}
          - sql:
              query: SELECT count(*) AS n FROM tasks WHERE idempotency_key LIKE $1
              params: ["labrun-persist-%"]
              expect: {value: 20}
              throughout: during
              every: 500ms
              allowUnavailable: true
          - http: {path: /version, timeout: 20s}

        """
        guard case .success(let scenario) = parse(body, load: true) else { Issue.record("rejected: \(errors(body, load: true))"); return }
        let kinds = scenario.assertions.map(\.kind)
        #expect(kinds[0].invariant == Invariant(throughout: "roll"))
        #expect(kinds[0].invariant?.every == .seconds(1), "one sample a second unless told")
        #expect(kinds[1].invariant == Invariant(throughout: "during", every: .seconds(0.5), allowUnavailable: true))
        #expect(kinds[1].invariant?.phase == .during)
        #expect(kinds[2].invariant == nil, "without throughout, polled once at the end as before")
        #expect(scenario.assertions[0].name == "http GET /api/tasks throughout roll")
        #expect(scenario.assertions[1].name.hasSuffix(" throughout during"))
    }

    @Test func whatMeansNothingWithThroughoutIsRefusedWithTheKeyAndWhy() {
        #expect(errors("assertions:\n  - http: {path: /a, throughout: roll, timeout: 5s}\n") == [
            "assertions[0].http.timeout: \"timeout\" and \"throughout\" exclude each other (an invariant is sampled for its whole "
                + "window, not polled until it matches); keep one",
        ])
        #expect(errors("assertions:\n  - http: {path: \"/a/{{i}}\", throughout: roll, repeat: 3}\n") == [
            "assertions[0].http.repeat: \"repeat\" and \"throughout\" exclude each other (an invariant samples one request; "
                + "write one assertion per request); keep one",
        ])
        #expect(errors("assertions:\n  - sql: {query: SELECT 1, expect: {value: 1}, throughout: roll, timeout: 5s}\n").first?
            .hasPrefix("assertions[0].sql.timeout: \"timeout\" and \"throughout\" exclude each other") == true)
        #expect(errors("assertions:\n  - http: {path: /a, every: 2s}\n") == [
            "assertions[0].http.every: \"every\" applies with \"throughout\" only",
        ])
        #expect(errors("assertions:\n  - sql: {query: SELECT 1, expect: {value: 1}, allowUnavailable: true}\n") == [
            "assertions[0].sql.allowUnavailable: \"allowUnavailable\" applies with \"throughout\" only",
        ])
        #expect(errors("assertions:\n  - http: {path: /a, throughout: roll, every: 100ms}\n") == [
            "assertions[0].http.every: must be between 200ms and 1m, got 100ms",
        ])
        #expect(errors("assertions:\n  - http: {path: /a, throughout: roll, every: 2m}\n") == [
            "assertions[0].http.every: must be between 200ms and 1m, got 2m",
        ])
        #expect(errors("assertions:\n  - http: {path: /a, throughout: roll, allowUnavailable: sometimes}\n").count == 1)
    }

    @Test func theWindowIsAKnownStepOrAPhaseOfTheLoad() {
        #expect(errors("assertions:\n  - http: {path: /a, throughout: rol}\n") == [
            "assertions[0].http.throughout: unknown step \"rol\"; did you mean \"roll\"?",
        ])
        #expect(errors("assertions:\n  - http: {path: /a, throughout: after}\n") == [
            "assertions[0].http.throughout: throughout: after is a phase of the background load; add a \"load\" section",
        ])
        #expect(errors("assertions:\n  - http: {path: /a, throughout: after}\n", load: true).isEmpty)
    }

    @Test func aSteadyStateCheckCannotBeAnInvariant() {
        let body = "steadyState:\n  checks:\n    - http: {path: /readyz, throughout: roll}\n"
        #expect(errors(body) == [
            "steadyState.checks[0].http.throughout: \"throughout\" makes an invariant, which a steady-state check cannot be "
                + "(it is polled before and after the steps); move it to assertions",
        ])
    }

    // MARK: the samples

    static let matched = CheckAttempt(result: .passed("n", kind: "sql", "20 row(s) as expected"))
    static func mismatch(_ got: Int) -> CheckAttempt {
        CheckAttempt(result: .failed("n", kind: "sql", "expected 20, got \(got)", details: ["  - 20", "  + \(got)"]))
    }
    static let down = CheckAttempt.unanswered("n", kind: "sql", "Could not connect to PostgreSQL: connection refused")

    /// Samples every second from `start`, one attempt each.
    static func samples(start: Double = 10, _ attempts: [CheckAttempt]) -> InvariantSamples {
        var samples = InvariantSamples(start: start)
        for (index, attempt) in attempts.enumerated() { samples.record(attempt, at: start + Double(index)) }
        samples.close(at: start + Double(attempts.count))
        return samples
    }

    @Test func aLongWindowKeepsCountsAndOnlyTheFirstFewBrokenSamples() {
        let attempts = Array(repeating: Self.matched, count: 1000) + (0..<50).map { Self.mismatch($0) } + Array(repeating: Self.down, count: 30)
        let samples = Self.samples(attempts)
        #expect(samples.taken == 1080 && samples.mismatched == 50 && samples.unanswered == 30 && samples.answered == 1050)
        #expect(samples.firstMismatches.count == InvariantSamples.keptLimit)
        #expect(samples.firstMismatches.map(\.message).first == "expected 20, got 0")
        #expect(samples.firstUnanswered.count == InvariantSamples.keptLimit)
        #expect(samples.lastMismatchAt == 1059 && samples.lastUnansweredAt == 1089)
        #expect(samples.end == 1090)
    }

    // MARK: the verdict

    let invariant = Invariant(throughout: "restart-cluster")

    @Test func everySampleMatchingPasses() {
        let result = InvariantEvaluator.evaluate(invariant, name: "rows", kind: "sql", samples: Self.samples(Array(repeating: Self.matched, count: 41)))
        #expect(result.verdict == .passed)
        #expect(result.message == "held in all 41 samples (one every 1s) throughout step restart-cluster (10.0–51.0 s)")
        #expect(result.measured == ["samples": 41, "mismatched": 0, "unanswered": 0])
        #expect(result.invariant?.taken == 41)
    }

    @Test func oneSampleThatDidNotMatchFailsAndSaysWhenWhatAndHowMany() {
        let attempts = Array(repeating: Self.matched, count: 8) + [Self.mismatch(19), Self.mismatch(18)] + Array(repeating: Self.matched, count: 10)
        let result = InvariantEvaluator.evaluate(invariant, name: "rows", kind: "sql", samples: Self.samples(attempts))
        #expect(result.verdict == .failed)
        #expect(result.message == "broke in 2 of 20 samples throughout step restart-cluster (10.0–30.0 s): "
                + "first at 18.0 s (8.0 s into the step): expected 20, got 19")
        #expect(result.details == [
            "  - 20", "  + 19",
            "samples that did not match (2):",
            "  at 18.0 s (8.0 s into the step): expected 20, got 19",
            "  at 19.0 s (9.0 s into the step): expected 20, got 18",
            "the last that did not match was at 19.0 s",
        ])
        #expect(result.measured["firstBrokeAt"] == 18 && result.measured["firstBrokeInto"] == 8)
    }

    @Test func aSampleWithoutAnAnswerBreaksItUnlessAllowed() {
        let attempts = Array(repeating: Self.matched, count: 5) + Array(repeating: Self.down, count: 3) + Array(repeating: Self.matched, count: 4)
        let strict = InvariantEvaluator.evaluate(invariant, name: "rows", kind: "sql", samples: Self.samples(attempts))
        #expect(strict.verdict == .failed)
        #expect(strict.message == "broke in 3 of 12 samples throughout step restart-cluster (10.0–22.0 s): "
                + "first at 15.0 s (5.0 s into the step): no answer: Could not connect to PostgreSQL: connection refused")

        var lenient = invariant
        lenient.allowUnavailable = true
        let allowed = InvariantEvaluator.evaluate(lenient, name: "rows", kind: "sql", samples: Self.samples(attempts))
        #expect(allowed.verdict == .passed)
        #expect(allowed.message == "held in all 9 answered samples (one every 1s) throughout step restart-cluster (10.0–22.0 s); "
                + "3 of 12 got no answer (allowed), first at 15.0 s (5.0 s into the step), last at 17.0 s")
        #expect(allowed.details.first == "samples that got no answer (3, allowed):")
        #expect(allowed.measured["unanswered"] == 3)

        // Allowed silences no answer, never a wrong one.
        let wrong = InvariantEvaluator.evaluate(lenient, name: "rows", kind: "sql",
                                                samples: Self.samples(attempts + [Self.mismatch(0)]))
        #expect(wrong.verdict == .failed && wrong.message.hasPrefix("broke in 1 of 13 samples"))
        #expect(wrong.message.hasSuffix("first at 22.0 s (12.0 s into the step): expected 20, got 0"))
        #expect(wrong.details.contains("samples that got no answer (3, allowed):"))
    }

    @Test func mixedBreakagesAreCountedApart() {
        let result = InvariantEvaluator.evaluate(invariant, name: "rows", kind: "sql",
                                                 samples: Self.samples([Self.matched, Self.down, Self.mismatch(3), Self.matched]))
        #expect(result.message.hasPrefix("broke in 2 of 4 samples throughout step restart-cluster (10.0–14.0 s) "
                                         + "(1 did not match, 1 got no answer): first at 11.0 s (1.0 s into the step): no answer: "))
    }

    @Test func anEmptyWindowIsNeverAPass() {
        let never = InvariantEvaluator.evaluate(invariant, name: "rows", kind: "sql", samples: nil)
        #expect(never.verdict == .error)
        #expect(never.message == "no sample was taken: step restart-cluster never ran")
        let phase = InvariantEvaluator.evaluate(Invariant(throughout: "after"), name: "rows", kind: "http", samples: nil)
        #expect(phase.message == "no sample was taken: the after phase never ran")
        let empty = InvariantEvaluator.evaluate(invariant, name: "rows", kind: "sql", samples: InvariantSamples(start: 3))
        #expect(empty.verdict == .error && empty.message.hasPrefix("no sample was taken"))

        // Allowed to go unanswered, but never answered: nothing was seen to hold.
        var lenient = invariant
        lenient.allowUnavailable = true
        let silent = InvariantEvaluator.evaluate(lenient, name: "rows", kind: "sql", samples: Self.samples([Self.down, Self.down]))
        #expect(silent.verdict == .error)
        #expect(silent.message.contains("none of the 2 samples (one every 1s) throughout step restart-cluster (10.0–12.0 s) got an answer"))
    }

    @Test func theRunnersEvaluationReadsAnInvariantsSamplesFromTheObservations() {
        let spec = SQLAssertion(query: "SELECT 1", expect: .value(.number(1)), invariant: Invariant(throughout: "during"))
        let assertion = Assertion(name: "one", .sql(spec))
        var observed = RunObservations(records: [RequestRecord](), windows: PhaseWindows(loadStart: 0, stepsStart: 1, recoveryEnd: 2, loadEnd: 3),
                                       targetRate: 1)
        #expect(AssertionEvaluator.evaluate(assertion, observed)?.message == "no sample was taken: the during phase never ran")
        observed.invariants[assertion] = Self.samples(start: 1, [Self.matched])
        #expect(AssertionEvaluator.evaluate(assertion, observed)?.verdict == .passed)
        // The once-at-the-end form is still the runner's to poll.
        #expect(AssertionEvaluator.evaluate(Assertion(.sql(SQLAssertion(query: "SELECT 1", expect: .value(.number(1))))), observed) == nil)
    }
}
