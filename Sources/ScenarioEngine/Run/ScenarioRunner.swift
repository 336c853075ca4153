import Foundation
import LabrunCore
import ScenarioModel
import StackModel

/// Runs one validated scenario through its phases and returns its result.
///
/// Phases: leftovers of interrupted runs removed → setup (namespace, stack in the scenario's shape) →
/// steady state checked before → capacity measured, when the load's rate is a share of it →
/// background load (`before` window) → steps (`try` / `catch` /
/// `finally`, each operation with a timeout) → recovery (steady state polled until it holds again) →
/// `after` window → steady state checked after → assertions → on failure, pod logs and events saved →
/// cleanup (every registered undo in reverse order, then the `cleanup:` operations in reverse order
/// of the file — skipped when the run's own namespace was deleted, since they had nothing left to act on).
///
/// Invariants (`http` / `sql` assertions with `throughout`) are sampled from the start of their step or
/// phase to its end (`InvariantSamplers`); those a run that stopped early left open are closed before the
/// assertions.
///
/// Cleanup runs on success, failure, timeout and cancellation (Ctrl-C / SIGTERM cancel the calling
/// task): the finishing work runs in a task of its own that cancellation does not reach.
public struct ScenarioRunner: Sendable {
    public var driver: any ScenarioDriver
    public var clock: any LabClock
    public var options: RunOptions
    /// Seconds between two polls of a check.
    public var pollInterval: Double
    /// The run's identity (tests fix it; the default is a fresh namespace per run).
    public var makeIdentity: @Sendable (Scenario, RunOptions) -> RunIdentity

    public init(driver: any ScenarioDriver, clock: any LabClock = SystemClock(), options: RunOptions = RunOptions(),
                pollInterval: Double = 1,
                makeIdentity: @escaping @Sendable (Scenario, RunOptions) -> RunIdentity = { scenario, options in
                    RunIdentity.fresh(scenario: scenario.name, reuse: options.namespace ?? scenario.setup.reuseNamespace)
                }) {
        self.driver = driver
        self.clock = clock
        self.options = options
        self.pollInterval = pollInterval
        self.makeIdentity = makeIdentity
    }

    /// Runs `scenario` and returns what happened (`attempt`: which run under `--repeat`, nil for a
    /// single run). Never throws: every failure is in the result.
    public func run(_ scenario: Scenario, attempt: Int? = nil) async -> ScenarioResult {
        let runClock = RunClock(base: clock)
        let startedAt = clock.wallTime()
        let run = RunContext(scenario: scenario, identity: makeIdentity(scenario, options), options: options, clock: runClock,
                             attempt: attempt)
        let driver = self.driver
        let state = RunState(invariants: InvariantSamplers(scenario.allAssertions, clock: runClock, timeline: run.timeline,
                                                           attempt: { assertion in await driver.attempt(assertion, run: run) }))
        let timeline = run.timeline

        do {
            try await OperationTimeout.run(seconds: scenario.metadata.timeout.seconds, clock: runClock,
                                           what: "scenario \(scenario.name) (metadata.timeout)") {
                try await self.body(run, state)
            }
        } catch is RunStopped {
            // The reason is already recorded.
        } catch is CancellationError {
            state.abort("interrupted (Ctrl-C / SIGTERM); cleanup ran", verdict: .error)
        } catch {
            if Task.isCancelled {
                state.abort("interrupted (Ctrl-C / SIGTERM); cleanup ran", verdict: .error)
            } else {
                state.abort(RunFailure.isTimeout(error)
                            ? "the scenario ran out of time: \(RunFailure.describe(error))"
                            : RunFailure.describe(error))
            }
        }
        if let reason = state.abortReason { timeline.record(.error, scenario.name, reason) }

        // Everything after this point must happen even when the calling task was cancelled.
        return await Task { [self] in
            await self.finish(run, state, startedAt: startedAt)
        }.value
    }

    // MARK: phases

    private func body(_ run: RunContext, _ state: RunState) async throws {
        let scenario = run.scenario
        let timeline = run.timeline
        let clock = run.clock

        if scenario.minimumNodes > 1 {
            let nodes = try await driver.schedulableNodes()
            guard nodes.count >= scenario.minimumNodes else {
                state.abort("skipped: it needs \(scenario.minimumNodes) Ready nodes that accept pods (it faults a node), and the cluster has "
                            + "\(nodes.count)\(nodes.isEmpty ? "" : " (\(nodes.joined(separator: ", ")))"); start one with several nodes: "
                            + "`cluster/bare/up --nodes 2` (bare), `minikube start --nodes 2` or a kind cluster with workers", verdict: .skipped)
                throw RunStopped()
            }
        }
        timeline.record(.phase, "setup", "namespace \(run.namespace)")
        for line in await driver.sweepLeftovers(timeline: timeline) {
            timeline.record(.note, "leftovers", line)
        }
        // From before the deployment, so every pod's life is seen from its creation.
        let driver = self.driver
        state.podWatch = Task { await driver.observePods(run) }
        do {
            try await driver.prepare(run)
        } catch {
            if Task.isCancelled { throw CancellationError() }
            state.abort("setup failed: \(RunFailure.describe(error))", verdict: .error)
            throw RunStopped()
        }

        if let steady = scenario.steadyState {
            timeline.record(.phase, "steady-state-before")
            let (holds, results) = try await pollSteadyState(steady.checks, timeout: steady.timeout.seconds, run: run)
            state.steadyBefore = results
            guard holds else {
                state.abort("the steady state did not hold before the chaos (within \(steady.timeout)): "
                            + results.filter { $0.verdict != .passed }.map { "\($0.name): \($0.message)" }.joined(separator: "; "),
                            verdict: .error)
                throw RunStopped()
            }
        }

        if let load = scenario.load {
            let transport = try await driver.loadTransport(run)
            // From before the first write (the capacity probe's or the load's), so each one's visibility is timed.
            for (ledger, interval) in ledgerReadIntervals(scenario) {
                let driver = self.driver
                let watcher = LedgerWatcher(interval: interval, clock: clock, read: { try await driver.readLedger(ledger, run: run) })
                state.ledgerWatches[ledger.name] = Task { await watcher.run() }
            }
            let name = run.runName
            var onRecord: (@Sendable (RequestRecord) -> Void)?
            if let callback = options.onRequest {
                onRecord = { record in callback(name, record) }
            }
            let rate: Double
            switch load.rate {
            case .fixed(let fixed):
                rate = fixed
            case .ofCapacity(let calibration):
                rate = try await calibrate(calibration, load: load, transport: transport, onRecord: onRecord, run: run, state: state)
            }
            state.targetRate = rate
            let control = LoadControl()
            let start = clock.now()
            if case .duration(let total) = load.until { control.stop(at: start + total.seconds) }
            let runner = LoadRunner(spec: load, traffic: load.traffic(of: driver.stack.traffic), rate: rate, keyPrefix: run.loadKeyPrefix, clock: clock, transport: transport,
                                    onRecord: onRecord)
            let log = try RequestLog()
            state.loadStart = start
            state.loadControl = control
            state.loadLog = log
            state.loadTask = Task { await runner.run(start: start, control: control, log: log) }
            timeline.record(.phase, "before", String(format: "load at %g req/s", rate), at: start)
            state.invariants.open(.phase(.before), at: start)
            try await clock.sleep(seconds: load.before.seconds)
        }

        let stepsStart = clock.now()
        state.stepsStart = stepsStart
        await state.invariants.close(.phase(.before), at: stepsStart)
        state.invariants.open(.phase(.during), at: stepsStart)
        timeline.record(.phase, "during")
        for step in scenario.steps {
            let result = try await runStep(step, run: run, state: state)
            state.append(result)
            if result.verdict == .faultNotLanded {
                // Whatever followed would measure a stack that was never disturbed: stop, whatever continueOnError says.
                state.abort("fault not landed in step \(step.name): \(result.message ?? "no reason given")", verdict: .faultNotLanded)
                throw RunStopped()
            }
            if result.verdict != .passed && !step.continueOnError {
                state.abort("step \(step.name) failed: \(result.message ?? "no reason given")")
                throw RunStopped()
            }
        }

        timeline.record(.phase, "recovery")
        if let steady = scenario.steadyState {
            let (holds, results) = try await pollSteadyState(steady.checks, timeout: steady.recovery.seconds, run: run)
            let recoveryEnd = clock.now()
            state.recoveryEnd = recoveryEnd
            await endDuringPhase(state, at: recoveryEnd)
            if holds {
                timeline.record(.recovered, "steady state", "holds again")
            } else {
                state.recoveryFailed = true
                state.recoveryFailures = results.filter { $0.verdict != .passed }
                timeline.record(.error, "steady state", "did not hold again within \(steady.recovery): "
                                + state.recoveryFailures.map { "\($0.name): \($0.message)" }.joined(separator: "; "))
            }
        } else {
            let recoveryEnd = clock.now()
            state.recoveryEnd = recoveryEnd
            await endDuringPhase(state, at: recoveryEnd)
        }

        if let load = scenario.load, let control = state.loadControl, let loadStart = state.loadStart {
            timeline.record(.phase, "after")
            switch load.until {
            case .stepsDone:
                try await clock.sleep(seconds: load.after.seconds)
                control.stop(at: clock.now())
            case .duration(let total):
                let remaining = loadStart + total.seconds - clock.now()
                if remaining > 0 { try await clock.sleep(seconds: remaining) }
            }
            await state.invariants.close(.phase(.after), at: clock.now())
        }

        if let steady = scenario.steadyState {
            timeline.record(.phase, "steady-state-after")
            var results: [AssertionResult] = []
            for check in steady.checks { results.append(await driver.check(check, run: run)) }
            state.steadyAfter = results
        }
    }

    /// The `during` phase ends with recovery; the `after` phase begins, when there is a load.
    private func endDuringPhase(_ state: RunState, at end: Double) async {
        await state.invariants.close(.phase(.during), at: end)
        if state.loadControl != nil { state.invariants.open(.phase(.after), at: end) }
    }

    /// Measures the stack's capacity with the load's transport and returns the load's rate: the
    /// calibration's share of it. A probe that cannot measure stops the run (verdict `error`: the chaos
    /// never ran). The probe's records are kept for the write ledger only.
    func calibrate(_ calibration: CapacityCalibration, load: LoadSpec, transport: any LoadTransport,
                   onRecord: (@Sendable (RequestRecord) -> Void)?, run: RunContext, state: RunState) async throws -> Double {
        run.timeline.record(.phase, "calibration", "measuring capacity: closed loop, \(calibration.concurrency) at a time "
                            + "for \(calibration.measureFor)")
        let probe = CapacityProbe(calibration: calibration, spec: load, traffic: load.traffic(of: driver.stack.traffic), keyPrefix: run.loadKeyPrefix, clock: run.clock,
                                  transport: transport, onRecord: onRecord)
        do {
            let outcome = try await probe.run()
            state.calibration = outcome.measurement
            state.calibrationRecords = outcome.records
            run.timeline.record(.note, "calibration", outcome.measurement.summary)
            return outcome.measurement.rate
        } catch {
            if error is CancellationError || Task.isCancelled { throw CancellationError() }
            let reason = (error as? LabrunError).map { [$0.message, $0.advice].compactMap { $0 }.joined(separator: " ") }
                ?? RunFailure.describe(error)
            state.abort("calibration failed: \(reason)", verdict: .error)
            throw RunStopped()
        }
    }

    /// Polls every check until all hold in the same round, or `timeout` passes. Returns the last round.
    func pollSteadyState(_ checks: [Assertion], timeout: Double, run: RunContext) async throws -> (Bool, [AssertionResult]) {
        let start = run.clock.now()
        var last: [AssertionResult] = []
        while true {
            last = []
            for check in checks { last.append(await driver.check(check, run: run)) }
            if last.allSatisfy({ $0.verdict == .passed }) { return (true, last) }
            try Task.checkCancellation()
            if run.clock.now() - start >= timeout { return (false, last) }
            try await run.clock.sleep(seconds: pollInterval)
        }
    }

    /// Runs one step: `try` within the step's timeout, `catch` when it failed, `finally` always.
    func runStep(_ step: Step, run: RunContext, state: RunState) async throws -> StepResult {
        let clock = run.clock
        let start = clock.now()
        run.timeline.record(.stepStarted, step.name)
        state.invariants.open(.step(step.name), at: start)
        var operations: [OperationResult] = []
        var failure: String?
        var failedVerdict = Verdict.failed
        let deadline = start + step.timeout.seconds
        for operation in step.tryOperations {
            let remaining = deadline - clock.now()
            guard remaining > 0 else {
                failure = "step \(step.name) ran out of its \(step.timeout) before \(operation.action.kindName)"
                break
            }
            let limit = min(operation.timeout?.seconds ?? remaining, remaining)
            let result = try await runOperation(operation, block: "try", limit: limit, step: step.name, run: run, state: state)
            operations.append(result)
            if result.verdict != .passed {
                failure = result.message ?? "\(operation.action.kindName) failed"
                failedVerdict = result.verdict == .faultNotLanded ? .faultNotLanded : .failed
                break
            }
        }
        if let failure {
            run.timeline.record(.error, step.name, failure)
            for operation in step.catchOperations {
                operations.append(try await runOperation(operation, block: "catch", limit: operation.timeout?.seconds ?? 120,
                                                         step: step.name, run: run, state: state))
            }
        }
        for operation in step.finallyOperations {
            operations.append(try await runOperation(operation, block: "finally", limit: operation.timeout?.seconds ?? 120,
                                                     step: step.name, run: run, state: state))
        }
        let end = clock.now()
        // The step's invariants stop sampling (an interrupted step's are closed by `finish`).
        await state.invariants.close(.step(step.name), at: end)
        let verdict: Verdict = failure == nil ? .passed : failedVerdict
        run.timeline.record(.stepFinished, step.name, verdict.rawValue + " in " + formatSeconds(end - start))
        return StepResult(name: step.name, verdict: verdict, start: start, end: end, message: failure, operations: operations)
    }

    /// Runs one operation with its limit. A cancellation of the run is rethrown; everything else is a result.
    func runOperation(_ operation: StepOperation, block: String, limit: Double, step: String,
                      run: RunContext, state: RunState) async throws -> OperationResult {
        let clock = run.clock
        let start = clock.now()
        let action = operation.action
        let driver = self.driver
        do {
            let outcome: ActionOutcome
            if case .collectDiagnostics(let spec) = action {
                let files = await driver.collectDiagnostics(spec, reason: "step \(step) (\(block))", run: run)
                outcome = ActionOutcome(message: "saved \(files.count) file(s)")
            } else {
                outcome = try await OperationTimeout.run(seconds: limit, clock: clock, what: "\(action.kindName) in step \(step)") {
                    try await OperationTimeout.$own.withValue(operation.timeout?.seconds) {
                        try await driver.perform(action, step: step, run: run)
                    }
                }
            }
            if let landed = outcome.faultLandedAt {
                run.timeline.record(.faultLanded, step, "\(action.kindName): \(outcome.message ?? "fault landed")", at: landed)
            }
            if let ready = outcome.readyAt, block == "try" {
                state.noteReady(step: step, at: ready)
                run.timeline.record(.recovered, step, "\(action.kindName): condition holds", at: ready)
            }
            return OperationResult(block: block, action: action.kindName, verdict: .passed, start: start, end: clock.now(),
                                   faultLandedAt: outcome.faultLandedAt, message: outcome.message)
        } catch {
            if error is CancellationError || Task.isCancelled { throw CancellationError() }
            // A fault that could not be verified, or that found nothing to act on (a selector that matched
            // no pod), is told apart from a failure (the run proves nothing), and its advice (what would
            // make it land) goes into every report with it.
            let labrunError = error as? LabrunError
            let noTarget = labrunError?.id == ErrorID.actionNoTarget
            let notLanded = labrunError?.id == ErrorID.faultNotLanded || noTarget
            let message = notLanded
                ? labrunError.map { error in
                    let advice = error.advice ?? (noTarget ? Self.noTargetAdvice : nil)
                    return [(noTarget ? "the fault had nothing to act on, so it did not land: " : "") + error.message, advice]
                        .compactMap { $0 }.joined(separator: " ")
                } ?? RunFailure.describe(error)
                : RunFailure.describe(error)
            run.timeline.record(.error, step, "\(action.kindName): \(message)")
            return OperationResult(block: block, action: action.kindName, verdict: notLanded ? .faultNotLanded : .failed,
                                   start: start, end: clock.now(), message: message)
        }
    }

    static let noTargetAdvice = "Check that the action's workload or selector matches running pods of the stack "
        + "(`kubectl get pods -n <namespace> --show-labels`) and that its count is not more than the replicas the scenario sets up."

    // MARK: finishing

    private func finish(_ run: RunContext, _ state: RunState, startedAt: Date) async -> ScenarioResult {
        let scenario = run.scenario
        let clock = run.clock
        let timeline = run.timeline

        // No invariant samples past the run's end: windows a failure, timeout or Ctrl-C left open close here.
        await state.invariants.closeAll(at: clock.now())

        // Stop the load and collect its records.
        var records: RequestRecords = [RequestRecord]()
        if let task = state.loadTask, let log = state.loadLog {
            let now = clock.now()
            state.loadControl?.stop(at: now)
            await task.value
            records = log.records
            state.loadEnd = state.loadEnd ?? now
            if let failure = log.failure { timeline.record(.error, "load", "request records incomplete: \(failure)") }
        }
        var ledgerSeen: [String: LedgerVisibility] = [:]
        for (name, watch) in state.ledgerWatches {
            watch.cancel()
            ledgerSeen[name] = await watch.value
        }
        let now = clock.now()
        let loadStart = state.loadStart ?? now
        let stepsStart = state.stepsStart ?? now
        let recoveryEnd = state.recoveryEnd ?? now
        let loadEnd = max(recoveryEnd, state.loadEnd ?? now)
        let windows = PhaseWindows(loadStart: loadStart, stepsStart: stepsStart, recoveryEnd: recoveryEnd, loadEnd: loadEnd)

        // Assertions (only when the run got through its steps).
        var assertions: [AssertionResult] = []
        if let reason = state.abortReason {
            assertions = scenario.allAssertions.map {
                AssertionResult(name: $0.name, kind: $0.kind.kindName, verdict: .skipped,
                                message: "not evaluated: the run stopped early (\(reason))")
            }
        } else {
            timeline.record(.phase, "assertions")
            assertions = await evaluate(scenario.allAssertions, records: records, windows: windows, ledgerSeen: ledgerSeen,
                                        run: run, state: state)
        }
        var steadyAfter = state.steadyAfter
        if state.recoveryFailed {
            let what = state.recoveryFailures.map { "\($0.name): \($0.message)" }.joined(separator: "; ")
            steadyAfter.insert(AssertionResult.failed(
                "recovery", kind: "steadyState",
                "the steady state did not hold again within \(scenario.steadyState?.recovery.description ?? "the recovery time")"
                    + (what.isEmpty ? "" : ": " + what)), at: 0)
        }

        var verdicts = state.steadyBefore.map(\.verdict) + state.steps.map(\.verdict) + steadyAfter.map(\.verdict)
            + assertions.map(\.verdict).filter { $0 != .skipped }
        if state.abortReason != nil { verdicts.append(state.abortVerdict) }
        var verdict = ScenarioResult.combinedVerdict(verdicts)

        // On failure: likely causes, pod logs and events, before the namespace goes.
        var abortReason = state.abortReason
        if verdict == .failed || verdict == .error || verdict == .faultNotLanded {
            // The evidence first (what the pods were when requests failed), then the manifest checks as hints.
            let evidence = EvidenceDiagnosis.causes(records: records, pods: run.podLives)
            let noted = evidence + run.likelyCauses.filter { !evidence.contains($0) }
            let causes = noted + (await driver.likelyCauses(run)).filter { !noted.contains($0) }
            if !causes.isEmpty {
                let text = "likely cause: " + causes.joined(separator: "; ")
                timeline.record(.note, "diagnosis", text)
                for index in assertions.indices where assertions[index].verdict == .failed {
                    assertions[index].details.append(text)
                }
                if let reason = abortReason { abortReason = reason + " — " + text }
            }
        }
        if verdict != .passed {
            _ = await driver.collectDiagnostics(CollectDiagnosticsAction(), reason: "the run failed", run: run)
        }

        // The pods' lives end here: what cleanup does to them is not evidence.
        if let watch = state.podWatch {
            watch.cancel()
            await watch.value
        }

        // Cleanup: the scenario's own operations, then every undo in reverse order.
        timeline.record(.phase, "cleanup")
        var cleanup = await run.cleanup.unwind(clock: clock) { line in timeline.record(.note, "cleanup", line) }
        let namespaceGoes = !run.identity.reusedNamespace && !options.keepNamespace
        for operation in scenario.cleanup.reversed() {
            if namespaceGoes {
                cleanup.append(OperationResult(block: "cleanup", action: operation.action.kindName, verdict: .skipped,
                                               start: clock.now(), end: clock.now(),
                                               message: "skipped: the run's namespace \(run.namespace) was deleted with everything in it"))
                continue
            }
            let start = clock.now()
            do {
                let driver = self.driver
                let action = operation.action
                _ = try await OperationTimeout.run(seconds: operation.timeout?.seconds ?? 180, clock: clock,
                                                   what: "cleanup \(action.kindName)") {
                    try await driver.perform(action, step: "cleanup", run: run)
                }
                cleanup.append(OperationResult(block: "cleanup", action: operation.action.kindName, verdict: .passed,
                                               start: start, end: clock.now()))
            } catch {
                cleanup.append(OperationResult(block: "cleanup", action: operation.action.kindName, verdict: .failed,
                                               start: start, end: clock.now(), message: RunFailure.describe(error)))
            }
        }
        if cleanup.contains(where: { $0.verdict == .failed }) && verdict == .passed { verdict = .failed }

        return ScenarioResult(
            scenario: scenario.name, description: scenario.metadata.description, namespace: run.namespace,
            provider: driver.providerName, startedAt: startedAt, durationSeconds: clock.now(), verdict: verdict,
            abortReason: abortReason, steadyStateBefore: state.steadyBefore, steadyStateAfter: steadyAfter,
            steps: state.steps, assertions: assertions,
            phases: scenario.load == nil ? [] : LoadStatistics.phases(records, windows: windows),
            series: LoadStatistics.series(records), timeline: timeline.all, cleanup: cleanup,
            artifacts: run.artifacts, targetRate: state.targetRate, calibration: state.calibration,
            attempt: run.attempt, regressionPercent: scenario.metadata.regressionPercent, pods: run.podLives)
    }

    /// Evaluates the assertions: live ones (`http`, `sql`, `kubernetes`) polled until they pass or time
    /// out, the rest (invariants among them, from their samples) from the run's observations. Each write
    /// ledger's last read joins the reads made during the run.
    func evaluate(_ assertions: [Assertion], records: RequestRecords, windows: PhaseWindows, ledgerSeen: [String: LedgerVisibility],
                  run: RunContext, state: RunState) async -> [AssertionResult] {
        let calibrationRecords = state.calibrationRecords
        var ledgers: [LedgerObservation] = []
        for ledger in driver.stack.ledgers {
            var seen = ledgerSeen[ledger.name]
            var rows: [String: Int]?
            if usedLedgers(assertions).contains(ledger.name) {
                do {
                    rows = try await driver.readLedger(ledger, run: run)
                    seen?.record(readAt: run.clock.now(), rows: rows ?? [:])
                } catch {
                    run.timeline.record(.error, "writeLedger", "could not read the rows of ledger \(ledger.name): \(RunFailure.describe(error))")
                }
            }
            ledgers.append(LedgerObservation(name: ledger.name, operations: Set(ledger.operations.map { LoadOperation($0) }),
                                             rows: rows, seen: seen))
        }
        let observations = RunObservations(records: records, windows: windows, targetRate: state.targetRate ?? 0,
                                           steps: state.steps, readyAt: state.readyAt, ledgers: ledgers,
                                           calibrationRecords: calibrationRecords,
                                           pods: run.podLives, invariants: state.invariants.samples)
        var results: [AssertionResult] = []
        for assertion in assertions {
            if let result = AssertionEvaluator.evaluate(assertion, observations) {
                results.append(result)
                continue
            }
            results.append(await pollCheck(assertion, run: run))
        }
        return results
    }

    /// The names of the stack's ledgers that `writeLedger` assertions reconcile.
    func usedLedgers(_ assertions: [Assertion]) -> Set<String> {
        Set(assertions.compactMap { $0.kind.writeLedger }.compactMap { driver.stack.ledger(named: $0.ledger)?.name })
    }

    /// How often to read each reconciled ledger during the load: the shortest `readEvery` of the
    /// `writeLedger` assertions on it.
    func ledgerReadIntervals(_ scenario: Scenario) -> [(StackLedger, Double)] {
        var intervals: [String: Double] = [:]
        for spec in scenario.allAssertions.compactMap({ $0.kind.writeLedger }) {
            guard let ledger = driver.stack.ledger(named: spec.ledger) else { continue }
            intervals[ledger.name] = min(intervals[ledger.name] ?? .infinity, spec.readEvery.seconds)
        }
        return driver.stack.ledgers.compactMap { ledger in intervals[ledger.name].map { (ledger, $0) } }
    }

    /// Polls one live check until it passes or its own timeout passes.
    func pollCheck(_ assertion: Assertion, run: RunContext) async -> AssertionResult {
        let timeout: Double
        switch assertion.kind {
        case .http(let spec): timeout = spec.timeout.seconds
        case .sql(let spec): timeout = spec.timeout.seconds
        case .kubernetes(let spec): timeout = spec.timeout.seconds
        default: timeout = 0
        }
        let start = run.clock.now()
        while true {
            let result = await driver.check(assertion, run: run)
            if result.verdict == .passed || run.clock.now() - start >= timeout || Task.isCancelled { return result }
            do { try await run.clock.sleep(seconds: pollInterval) } catch { return result }
        }
    }
}

extension RunContext {
    /// Prefix of the load's idempotency keys: `labrun-<run id>` (keys are `<prefix>-<sequence>`).
    public var loadKeyPrefix: String { "labrun-\(identity.id)" }
}
