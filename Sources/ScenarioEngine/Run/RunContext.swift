import Foundation
import LabrunCore
import ScenarioModel

/// Everything one run shares between the runner, the actions and the probes.
public final class RunContext: @unchecked Sendable {
    public let scenario: Scenario
    public let identity: RunIdentity
    public let options: RunOptions
    /// The run's clock: zero at the run's start.
    public let clock: RunClock
    public let timeline: Timeline
    public let cleanup: RunCleanup
    /// Which run of the scenario this is under `--repeat N` (1…N); nil for a single run.
    public let attempt: Int?
    private let lock = NSLock()
    private var files: [String] = []
    private var causes: [String] = []
    private var lives: [PodLifeEvent] = []
    /// At most this many pod-life changes are kept (a crash-looping stack cannot grow the result without bound).
    static let podLifeLimit = 20_000

    public init(scenario: Scenario, identity: RunIdentity, options: RunOptions, clock: RunClock, attempt: Int? = nil) {
        self.scenario = scenario
        self.attempt = attempt
        self.identity = identity
        self.options = options
        self.clock = clock
        let name = attempt.map { "\(scenario.name) #\($0)" } ?? scenario.name
        var observer: (@Sendable (TimelineEvent) -> Void)?
        if let callback = options.onEvent {
            observer = { event in callback(name, event) }
        }
        self.timeline = Timeline(clock: clock, observer: observer)
        self.cleanup = RunCleanup()
    }

    public var namespace: String { identity.namespace }

    /// The name live callbacks know this run by: the scenario's, with `#n` under `--repeat` (as `ScenarioResult.runName`).
    public var runName: String { attempt.map { "\(scenario.name) #\($0)" } ?? scenario.name }

    /// Where this run's diagnostics go, relative to the report directory: `<scenario>`, or
    /// `<scenario>/run-<n>` under `--repeat` so one run's logs do not overwrite another's.
    public var artifactFolder: String { attempt.map { "\(scenario.name)/run-\($0)" } ?? scenario.name }

    /// `<reportDirectory>/<artifactFolder>`: where this run's diagnostics go.
    public var artifactDirectory: String { (options.reportDirectory as NSString).appendingPathComponent(artifactFolder) }

    /// `<artifactDirectory>/<name>.log`, the directory made: where a helper process of an action (a
    /// stressor, a packet delayer) writes what it says.
    func logPath(_ name: String) throws -> String {
        try FileManager.default.createDirectory(atPath: artifactDirectory, withIntermediateDirectories: true)
        return (artifactDirectory as NSString).appendingPathComponent("\(name).log")
    }

    /// Notes a file written next to the report (path relative to the report directory).
    public func addArtifact(_ relativePath: String) { lock.withLock { if !files.contains(relativePath) { files.append(relativePath) } } }
    public var artifacts: [String] { lock.withLock { files } }

    /// Notes a likely cause of failure seen while running (e.g. "postgres has no persistent volume").
    public func addLikelyCause(_ text: String) { lock.withLock { if !causes.contains(text) { causes.append(text) } } }
    public var likelyCauses: [String] { lock.withLock { causes } }

    /// Records a change in a pod's life: in the result's `pods`, and in the timeline's pod lane (every change
    /// but Normal events, which stay in the JSON result only).
    public func recordPodLife(_ event: PodLifeEvent) {
        let kept = lock.withLock { () -> Bool in
            guard lives.count < Self.podLifeLimit else { return false }
            lives.append(event)
            return true
        }
        guard kept, event.change != .event || event.detail.hasPrefix("Warning") else { return }
        let what = event.change == .event ? event.detail
            : ([event.container, event.change.rawValue].compactMap { $0 }.joined(separator: " ") + (event.detail.isEmpty ? "" : ": \(event.detail)"))
        timeline.record(.pod, event.pod, what, at: event.at)
    }

    /// The pods' lives so far, in the order seen.
    public var podLives: [PodLifeEvent] { lock.withLock { lives } }
}
