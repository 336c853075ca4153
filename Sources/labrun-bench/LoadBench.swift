import ArgumentParser
import Foundation
import LabrunCore
import ScenarioEngine
import StackModel
import ScenarioModel

/// `labrun-bench load`: the scenario engine's load generator (open model, constant arrival rate) beside
/// `wrk` (closed model) and `hey` (a second tool) on the same endpoint in the same run: the highest rate
/// each sustains, labrun's ratio to wrk, resident memory (peak, and at 1,000 requests/s for 60 s) and CPU
/// seconds per 1,000 requests. Prints the figures; asserts nothing.
struct LoadBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "load",
        abstract: "The load generator beside wrk and hey on one endpoint: highest sustained rate, memory, CPU per 1,000 requests.",
        discussion: """
            Without --url, starts Debian's nginx (`apt-get install nginx-light`) on 127.0.0.1 at a free high port with a \
            throwaway configuration (one worker, a fixed 200 answer), and stops it afterwards. The reference tools are \
            Debian's `wrk` and `hey` (`apt-get install wrk hey`); a missing one is reported and left out of the table. \
            Run a release build (`swift build -c release`) for figures worth comparing.
            """)

    @Option(help: "URL to load (GET), instead of a throwaway nginx. Only use a server of your own on this machine.")
    var url: String?

    @Option(help: "Seconds per rate measurement (each tool's run, each step of labrun's rate search).")
    var duration: Int = 10

    @Option(help: "Rate (req/s) at which labrun's resident memory and CPU are measured.")
    var fixedRate: Double = 1000

    @Option(help: "Seconds of the fixed-rate measurement.")
    var fixedDuration: Int = 60

    @Option(help: "Connections: wrk's and hey's, and labrun's connection pool.")
    var connections: Int = 64

    @Option(help: "labrun's cap on requests in flight (default: 16 × --connections, room for ~15 ms of CPU wait at 70,000 req/s on a shared machine). Requests beyond the pool's connections wait for one, and the wait counts in their latency; a request due while the cap is reached is an error (`overload`).")
    var maxInFlight: Int?

    @Option(help: "The wrk to compare with.")
    var wrk: String = "wrk"

    @Option(help: "The hey to compare with.")
    var hey: String = "hey"

    @Option(help: "The nginx to start when no --url is given.")
    var nginx: String = "nginx"

    @Flag(help: "A new connection per request (as scenarios run); the default keeps connections alive, as wrk and hey do.")
    var newConnections = false

    func run() async throws {
        let server = url == nil ? try ThrowawayNginx(binary: nginx) : nil
        defer { server?.stop() }
        guard let target = url ?? server?.url else { return }
        print("labrun-bench load — \(target), \(duration) s per measurement, \(connections) connections (labrun: at most "
              + "\(inFlightCap) in flight, one event loop), "
              + (newConnections ? "a connection per request" : "kept-alive connections"))
        _ = try await measure(url: target, rate: 200, seconds: 1) // warm-up: connections, code paths

        // Memory and CPU at the fixed rate first, from a reset peak: the peak is then this run's own.
        Platform.resetPeakResidentMemory()
        let sampler = MemorySampler()
        let fixed = try await measure(url: target, rate: fixedRate, seconds: Double(fixedDuration), sampler: sampler)
        let fixedRSS = Platform.residentMemory(peak: false)
        let fixedPeak = Platform.residentMemory(peak: true)
        report(fixed)

        // The reference tools run before and after labrun's rate search, and their mean is the reference: a
        // server (or a machine) that slows down during the search then weighs on both sides alike.
        let wrkBefore = try runWrk(url: target)
        let heyBefore = try runHey(url: target)

        // labrun's highest sustained rate: from half of wrk's rate, up in steps of 25 % until one fails (or down in
        // steps of 20 % until one holds), then bisections between the last that held and the first that failed.
        var good: Sample?
        var bad: Sample?
        var rate = max(100, ((wrkBefore?.rate ?? 4000) * 0.5 / 100).rounded() * 100)
        while rate >= 50 && rate <= 400_000 {
            let sample = try await measure(url: target, rate: rate, seconds: Double(duration))
            report(sample)
            if sample.sustained {
                good = sample
                if bad != nil { break }
                rate = (rate * 1.25).rounded()
            } else {
                bad = sample
                if good != nil { break }
                rate = (rate * 0.8).rounded()
            }
        }
        // Bisections until the bracket is within 3 % (at most three): the 25 % steps alone can under-report by 20 %.
        for _ in 0..<3 {
            guard let low = good?.target, let high = bad?.target, high > low * 1.03 else { break }
            let sample = try await measure(url: target, rate: ((low + high) / 2).rounded(), seconds: Double(duration))
            report(sample)
            if sample.sustained { good = sample } else { bad = sample }
        }
        let peak = Platform.residentMemory(peak: true)
        let wrkRun = ToolRun.mean(wrkBefore, try runWrk(url: target))
        let heyRun = ToolRun.mean(heyBefore, try runHey(url: target))

        let mib = { (value: Double?) in value.map { String(format: "%.1f", $0) } ?? "?" }
        let rates = { (value: Double?) in value.map { String(format: "%.0f", $0) } ?? "n/a" }
        let ratio = { (value: Double?) in
            guard let value, let reference = wrkRun?.rate, reference > 0 else { return "n/a" }
            return String(format: "%.2f", value / reference)
        }
        let cpu = { (value: Double?) in value.map { String(format: "%.3f", $0) } ?? "n/a" }
        print("")
        let columns = ["labrun", "wrk", "hey"]
        print(pad("", 44) + columns.map { pad($0, 12, right: true) }.joined())
        func row(_ title: String, _ values: [String]) { print(pad(title, 44) + values.map { pad($0, 12, right: true) }.joined()) }
        row("model", ["open", "closed", "closed"])
        row("highest sustained rate (req/s)", [rates(good?.achieved), rates(wrkRun?.rate), rates(heyRun?.rate)])
        row("ratio to wrk", [ratio(good?.achieved), ratio(wrkRun?.rate), ratio(heyRun?.rate)])
        row("CPU s per 1,000 requests at that rate", [cpu(good?.cpuPerThousand), cpu(wrkRun?.cpuPerThousand), cpu(heyRun?.cpuPerThousand)])
        row("peak resident memory (MiB)", [mib(peak), mib(wrkRun?.peakMiB), mib(heyRun?.peakMiB)])
        row(String(format: "at %.0f req/s for %d s: resident (MiB)", fixedRate, fixedDuration), [mib(fixedRSS), "-", "-"])
        row("  peak resident in that run (MiB)", [mib(fixedPeak), "-", "-"])
        row("  CPU s per 1,000 requests", [cpu(fixed.cpuPerThousand), "-", "-"])
        print("")
        print("labrun keeps a schedule (a late answer counts against its rate: sustained = ≥ 97 % of the target answered 2xx, "
              + "≤ 1 % errors, p99 ≤ 0.5 s); wrk and hey send as fast as answers come, \(connections) at a time, and their rate "
              + "is the mean of a run before and a run after labrun's search. "
              + String(format: "Resident memory sampled every second at %.0f req/s: at most %@ MiB.", fixedRate, mib(sampler.largest)))
    }

    var inFlightCap: Int { maxInFlight ?? connections * 16 }

    /// One measurement of labrun's generator at a target rate.
    struct Sample {
        var target: Double
        var achieved: Double
        var requests: Int
        var errorRate: Double
        /// `overload` (the in-flight cap was reached), `timeout`, `connection`, `status 503`…
        var errorsByKind: [String: Int] = [:]
        var p99: Double?
        var cpuSeconds: Double
        var seconds: Double
        var sustained: Bool { achieved >= target * 0.97 && errorRate <= 0.01 && (p99 ?? 10) <= 0.5 }
        var cpuPerThousand: Double? { requests > 0 ? cpuSeconds / Double(requests) * 1000 : nil }
    }

    func report(_ sample: Sample) {
        let kinds = sample.errorsByKind.sorted { $0.value > $1.value }.map { "\($0.key) \($0.value)" }.joined(separator: ", ")
        print(String(format: "  labrun at %7.0f req/s → %7.0f req/s, errors %.2f%%%@, p99 %@, CPU %.0f%% of a core — %@",
                     sample.target, sample.achieved, sample.errorRate * 100, kinds.isEmpty ? "" : " (\(kinds))",
                     sample.p99.map(milliseconds) ?? "-", sample.cpuSeconds / sample.seconds * 100,
                     sample.sustained ? "sustained" : "not sustained"))
    }

    /// Runs the scenario engine's `LoadRunner` over the real `HTTPLoadTransport` at `rate` for `seconds`.
    func measure(url: String, rate: Double, seconds: Double, sampler: MemorySampler? = nil) async throws -> Sample {
        let (base, path) = Self.split(url)
        let traffic = StackTraffic(workload: "bench", operations: [TrafficOperation(name: "get", method: "GET", path: path)])
        let transport = try HTTPLoadTransport(baseURL: base, traffic: traffic, headers: ResponseHeaders(),
                                              maxConnections: connections, reuseConnections: !newConnections)
        let clock = SystemClock()
        let spec = LoadSpec(rate: .fixed(rate), mix: ["get": 1], requestTimeout: .seconds(5), maxInFlight: inFlightCap)
        let runner = LoadRunner(spec: spec, traffic: traffic, rate: rate, keyPrefix: "bench", clock: clock, transport: transport)
        let log = try RequestLog()
        let start = clock.now() + 0.05
        let control = LoadControl(stopAt: start + seconds)
        let sampling = sampler.map { sampler in Task { await sampler.run() } }
        let cpuBefore = Self.cpuSeconds()
        await runner.run(start: start, control: control, log: log)
        let elapsed = max(clock.now() - start, seconds)
        let cpu = Self.cpuSeconds() - cpuBefore
        sampling?.cancel()
        let stats = LoadStatistics.stats(log.records, phase: .during, start: start, end: start + seconds)
        return Sample(target: rate, achieved: Double(stats.succeeded) / seconds, requests: stats.count, errorRate: stats.errorRate,
                      errorsByKind: stats.errorsByKind, p99: stats.p99, cpuSeconds: cpu, seconds: elapsed)
    }

    /// `http://host:port/path` → (`http://host:port`, `/path`).
    static func split(_ url: String) -> (base: String, path: String) {
        guard let scheme = url.range(of: "://"), let slash = url[scheme.upperBound...].firstIndex(of: "/") else { return (url, "/") }
        return (String(url[..<slash]), String(url[slash...]))
    }

    /// What a reference tool measured.
    struct ToolRun {
        var rate: Double
        var requests: Double
        var cpuSeconds: Double
        var peakMiB: Double
        var runs = 1
        var cpuPerThousand: Double? { requests > 0 ? cpuSeconds / requests * 1000 : nil }

        /// The mean of the runs that produced a rate (before and after labrun's search).
        static func mean(_ first: ToolRun?, _ second: ToolRun?) -> ToolRun? {
            guard let first, let second else { return first ?? second }
            return ToolRun(rate: (first.rate + second.rate) / 2, requests: first.requests + second.requests,
                           cpuSeconds: first.cpuSeconds + second.cpuSeconds, peakMiB: max(first.peakMiB, second.peakMiB),
                           runs: first.runs + second.runs)
        }
    }

    func runWrk(url: String) throws -> ToolRun? {
        guard let binary = SystemProcessRunner().which(wrk) else {
            print("  wrk: not installed (`apt-get install wrk`), left out")
            return nil
        }
        let threads = max(1, min(2, ProcessInfo.processInfo.activeProcessorCount))
        let child = try MeasuredChild.run([binary, "-t\(threads)", "-c\(connections)", "-d\(duration)s", url])
        let line = child.output.split(separator: "\n").first { $0.contains("Requests/sec:") }
        guard let rate = line.flatMap({ Double($0.split(separator: ":").last?.trimmingCharacters(in: .whitespaces) ?? "") }) else {
            print("  wrk: no rate in its output:\n\(child.output)")
            return nil
        }
        print(String(format: "  wrk -t%d -c%d -d%ds → %.0f req/s", threads, connections, duration, rate))
        return ToolRun(rate: rate, requests: rate * Double(duration), cpuSeconds: child.cpuSeconds, peakMiB: child.peakMiB)
    }

    func runHey(url: String) throws -> ToolRun? {
        guard let binary = SystemProcessRunner().which(hey) else {
            print("  hey: not installed (`apt-get install hey`), left out")
            return nil
        }
        let child = try MeasuredChild.run([binary, "-z", "\(duration)s", "-c", "\(connections)"]
                                          + (newConnections ? ["-disable-keepalive"] : []) + [url])
        let line = child.output.split(separator: "\n").first { $0.contains("Requests/sec:") }
        guard let rate = line.flatMap({ Double($0.split(separator: ":").last?.trimmingCharacters(in: .whitespaces) ?? "") }) else {
            print("  hey: no rate in its output:\n\(child.output.prefix(2000))")
            return nil
        }
        print(String(format: "  hey -z %ds -c %d → %.0f req/s", duration, connections, rate))
        return ToolRun(rate: rate, requests: rate * Double(duration), cpuSeconds: child.cpuSeconds, peakMiB: child.peakMiB)
    }

    /// User + system CPU seconds of this process so far.
    static func cpuSeconds() -> Double {
        var usage = rusage()
        getrusage(__rusage_who_t(RUSAGE_SELF.rawValue), &usage)
        return Double(usage.ru_utime.tv_sec) + Double(usage.ru_utime.tv_usec) / 1e6
            + Double(usage.ru_stime.tv_sec) + Double(usage.ru_stime.tv_usec) / 1e6
    }
}

/// The largest resident memory seen, sampled every second while a measurement runs.
final class MemorySampler: @unchecked Sendable {
    private let lock = NSLock()
    private var _largest: Double?
    var largest: Double? { lock.withLock { _largest } }

    func run() async {
        while !Task.isCancelled {
            if let rss = Platform.residentMemory(peak: false) { lock.withLock { _largest = max(_largest ?? 0, rss) } }
            try? await Task.sleep(nanoseconds: 1_000_000_000)
        }
    }
}
