import Foundation

/// Everything a run of one scenario produced; the JSON result and the input of every report.
public struct ScenarioResult: Sendable, Hashable, Codable {
    public var scenario: String
    public var description: String
    public var namespace: String
    /// The cluster provider used (`minikube`, `bare`, …).
    public var provider: String
    public var startedAt: Date
    public var durationSeconds: Double
    /// `passed` only when every step, steady-state check and assertion passed and cleanup succeeded.
    public var verdict: Verdict
    /// Why the run stopped early (invalid state, timeout, interrupted), if it did.
    public var abortReason: String?
    public var steadyStateBefore: [AssertionResult]
    public var steadyStateAfter: [AssertionResult]
    public var steps: [StepResult]
    public var assertions: [AssertionResult]
    public var phases: [PhaseStats]
    /// Per-second load series for the timeline chart.
    public var series: [LoadSecond]
    public var timeline: [TimelineEvent]
    /// Cleanup operations (undos and `cleanup:`), in the order they ran.
    public var cleanup: [OperationResult]
    /// Files written next to the report (pod logs, events), relative to the report directory.
    public var artifacts: [String]
    /// The rate the background load ran at, in requests per second (nil when there was no load or it never started).
    public var targetRate: Double?
    /// The capacity measured at the start of the run and the rate it gave, when `load.rate` was relative.
    public var calibration: CapacityMeasurement?
    /// Which run of the scenario this was under `--repeat N` (1…N); nil for a single run.
    public var attempt: Int?
    /// The scenario's `metadata.regressionPercent`: how much worse a key figure may get against the
    /// previous run or a baseline before `labrun compare` flags it (nil in results written before it existed).
    public var regressionPercent: Double?
    /// Every pod's life during the run, as the namespace's watch saw it (nil in results written before it existed).
    public var pods: [PodLifeEvent]?

    public init(scenario: String, description: String = "", namespace: String = "", provider: String = "",
                startedAt: Date, durationSeconds: Double = 0, verdict: Verdict, abortReason: String? = nil,
                steadyStateBefore: [AssertionResult] = [], steadyStateAfter: [AssertionResult] = [],
                steps: [StepResult] = [], assertions: [AssertionResult] = [], phases: [PhaseStats] = [],
                series: [LoadSecond] = [], timeline: [TimelineEvent] = [], cleanup: [OperationResult] = [],
                artifacts: [String] = [], targetRate: Double? = nil, calibration: CapacityMeasurement? = nil,
                attempt: Int? = nil, regressionPercent: Double? = nil, pods: [PodLifeEvent]? = nil) {
        self.scenario = scenario
        self.description = description
        self.namespace = namespace
        self.provider = provider
        self.startedAt = startedAt
        self.durationSeconds = durationSeconds
        self.verdict = verdict
        self.abortReason = abortReason
        self.steadyStateBefore = steadyStateBefore
        self.steadyStateAfter = steadyStateAfter
        self.steps = steps
        self.assertions = assertions
        self.phases = phases
        self.series = series
        self.timeline = timeline
        self.cleanup = cleanup
        self.artifacts = artifacts
        self.targetRate = targetRate
        self.calibration = calibration
        self.attempt = attempt
        self.regressionPercent = regressionPercent
        self.pods = pods
    }

    /// The scenario's name with the run's number under `--repeat`: `chaos-pod-kill`, `chaos-pod-kill #2`.
    public var runName: String { attempt.map { "\(scenario) #\($0)" } ?? scenario }

    /// The overall verdict from the parts: any failure or error fails the run; skips never pass it alone.
    /// A fault that did not land outranks a failure: what the run measured after it proves nothing.
    public static func combinedVerdict(_ verdicts: [Verdict]) -> Verdict {
        if verdicts.contains(.error) { return .error }
        if verdicts.contains(.faultNotLanded) { return .faultNotLanded }
        if verdicts.contains(.failed) { return .failed }
        if verdicts.isEmpty || verdicts.allSatisfy({ $0 == .skipped }) { return .skipped }
        return .passed
    }
}
