import ArgumentParser
import Foundation
import HTTPClient
import LabrunCore
import ScenarioEngine
import StackModel
import ScenarioModel

/// `labrun-bench load`: the scenario engine's load generator (open model, constant arrival rate)
/// against `wrk` on the same URL in the same run: the highest rate it sustains, wrk's rate, and the
/// generator's CPU and memory at a fixed rate (1000 requests/s by default).
struct LoadBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "load",
        abstract: "Highest sustained rate of the load generator vs wrk on the same URL, and its CPU/memory at 1000 req/s.")

    @Option(help: "URL to load (GET). Only use a server of your own on this machine (e.g. the stack's frontend NodePort).")
    var url: String

    @Option(help: "Seconds per measurement.")
    var duration: Int = 5

    @Option(help: "Rate (req/s) at which CPU and memory are measured.")
    var fixedRate: Double = 1000

    @Option(help: "First rate tried when searching for the highest sustained rate.")
    var startRate: Double = 250

    @Option(help: "Requests in flight at most (the generator's cap; also wrk's connections).")
    var maxInFlight: Int = 64

    @Option(help: "The wrk to compare with.")
    var wrk: String = "wrk"

    @Flag(help: "A new connection per request (as scenarios run); the default keeps connections alive, as wrk does.")
    var newConnections = false

    /// One measurement at a target rate.
    struct Sample {
        var target: Double
        var achieved: Double
        var errorRate: Double
        var p99: Double?
        var cpuSeconds: Double
        var seconds: Double
        var sustained: Bool { achieved >= target * 0.97 && errorRate <= 0.01 && (p99 ?? 10) <= 0.5 }
    }

    func run() async throws {
        print("labrun-bench load — \(url), \(duration)s per measurement, at most \(maxInFlight) in flight, "
              + (newConnections ? "a connection per request" : "kept-alive connections"))
        _ = try await measure(rate: 50, seconds: 1) // warm-up

        // The highest sustained rate: double until it fails, then bisect twice.
        var good: Sample?
        var bad: Sample?
        var rate = startRate
        while bad == nil && rate <= 200_000 {
            let sample = try await measure(rate: rate, seconds: Double(duration))
            report(sample)
            if sample.sustained { good = sample; rate *= 2 } else { bad = sample }
        }
        if let low = good?.target, let high = bad?.target {
            var (lower, upper) = (low, high)
            for _ in 0..<2 {
                let middle = ((lower + upper) / 2).rounded()
                let sample = try await measure(rate: middle, seconds: Double(duration))
                report(sample)
                if sample.sustained { good = sample; lower = middle } else { upper = middle }
            }
        }

        // wrk on the same URL, same number of connections.
        let wrkRate = try await runWrk()

        // CPU and memory at the fixed rate.
        let fixed = try await measure(rate: fixedRate, seconds: Double(duration))
        report(fixed)
        let rss = Platform.residentMemory(peak: false)
        let peak = Platform.residentMemory(peak: true)

        print("")
        print(pad("", 34) + pad("labrun load generator", 24, right: true) + pad("wrk", 14, right: true))
        print(pad("highest sustained rate (req/s)", 34)
              + pad(good.map { String(format: "%.0f", $0.achieved) } ?? "-", 24, right: true)
              + pad(wrkRate.map { String(format: "%.0f", $0) } ?? "n/a", 14, right: true))
        if let best = good?.achieved, let wrkRate, wrkRate > 0 {
            print(String(format: "ratio generator / wrk: %.2f (wrk is closed-loop and sends as fast as answers come;"
                         + " the generator keeps a schedule and counts a late answer against its rate)", best / wrkRate))
        }
        print(String(format: "at %.0f req/s: achieved %.0f req/s, CPU %.0f%% of one core, RSS %@ (peak %@), p99 %@",
                     fixed.target, fixed.achieved, fixed.cpuSeconds / fixed.seconds * 100,
                     rss.map { String(format: "%.1f MiB", $0) } ?? "?", peak.map { String(format: "%.1f MiB", $0) } ?? "?",
                     fixed.p99.map(milliseconds) ?? "-"))
    }

    func report(_ sample: Sample) {
        print(String(format: "  target %7.0f req/s → %7.0f req/s, errors %.2f%%, p99 %@, CPU %.0f%% — %@",
                     sample.target, sample.achieved, sample.errorRate * 100, sample.p99.map(milliseconds) ?? "-",
                     sample.cpuSeconds / sample.seconds * 100, sample.sustained ? "sustained" : "not sustained"))
    }

    /// Runs the scenario engine's `LoadRunner` at `rate` for `seconds`.
    func measure(rate: Double, seconds: Double) async throws -> Sample {
        let transport = try FixedURLTransport(url: url, maxConnections: maxInFlight, reuse: !newConnections)
        let clock = SystemClock()
        let spec = LoadSpec(rate: .fixed(rate), mix: ["get": 1], requestTimeout: .seconds(5), maxInFlight: maxInFlight)
        let traffic = StackTraffic(workload: "bench", operations: [TrafficOperation(name: "get", method: "GET", path: "/")])
        let runner = LoadRunner(spec: spec, traffic: traffic, rate: rate, keyPrefix: "bench", clock: clock, transport: transport)
        let start = clock.now() + 0.05
        let control = LoadControl(stopAt: start + seconds)
        let cpuBefore = Self.cpuSeconds()
        let records = await runner.run(start: start, control: control)
        let elapsed = max(clock.now() - start, seconds)
        let cpu = Self.cpuSeconds() - cpuBefore
        let stats = LoadStatistics.stats(records, phase: .during, start: start, end: start + seconds)
        return Sample(target: rate, achieved: Double(stats.succeeded) / seconds, errorRate: stats.errorRate, p99: stats.p99,
                      cpuSeconds: cpu, seconds: elapsed)
    }

    func runWrk() async throws -> Double? {
        let runner = SystemProcessRunner()
        guard runner.which(wrk) != nil else {
            print("wrk: not installed (`apt-get install wrk`), no reference")
            return nil
        }
        let threads = max(1, min(2, ProcessInfo.processInfo.activeProcessorCount))
        let command = Command(wrk, ["-t\(threads)", "-c\(maxInFlight)", "-d\(duration)s", "--latency", url],
                              timeout: Double(duration) + 30)
        let output = try await runner.check(command, what: "Running wrk")
        let line = output.standardOutput.split(separator: "\n").first { $0.contains("Requests/sec:") }
        let rate = line.flatMap { Double($0.split(separator: ":").last?.trimmingCharacters(in: .whitespaces) ?? "") }
        print("  wrk -t\(threads) -c\(maxInFlight) -d\(duration)s: \(rate.map { String(format: "%.0f req/s", $0) } ?? "no rate in its output")")
        return rate
    }

    /// User + system CPU seconds of this process so far.
    static func cpuSeconds() -> Double {
        var usage = rusage()
        getrusage(__rusage_who_t(RUSAGE_SELF.rawValue), &usage)
        return Double(usage.ru_utime.tv_sec) + Double(usage.ru_utime.tv_usec) / 1e6
            + Double(usage.ru_stime.tv_sec) + Double(usage.ru_stime.tv_usec) / 1e6
    }

}

/// A `LoadTransport` that GETs one URL whatever the operation: the generator's own cost, measured
/// on any endpoint.
final class FixedURLTransport: LoadTransport, @unchecked Sendable {
    let url: String
    let http: HTTPClient
    let reuse: Bool

    init(url: String, maxConnections: Int, reuse: Bool) throws {
        self.url = url
        self.reuse = reuse
        http = try HTTPClient(configuration: HTTPClientConfiguration(timeout: 10, connectTimeout: 3, maxConnectionsPerHost: maxConnections))
    }

    deinit { http.shutdown() }

    func send(_ request: LoadRequest) async -> LoadResponse {
        var headers = HTTPHeaders()
        if !reuse { headers.add("Connection", "close") }
        do {
            let response = try await http.send(HTTPRequest(.get, url, headers: headers, timeout: request.timeout))
            return LoadResponse(outcome: .status(response.status))
        } catch let error as LabrunError {
            return LoadResponse(outcome: HTTPLoadTransport.classify(error))
        } catch {
            return LoadResponse(outcome: .connection(String(describing: error)))
        }
    }
}
