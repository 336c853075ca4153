import ArgumentParser
import Foundation
import HTTPClient
import LabrunCore

/// `labrun-bench http`: closed-loop request rate of `HTTPClient` against `wrk` on the same URL.
struct HTTPBenchmark: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "http",
        abstract: "Requests per second: HTTPClient (N concurrent tasks) vs wrk with N connections, same URL.")

    @Option(help: "URL to load (GET). Only use a server of your own on this machine.")
    var url: String

    @Option(help: "Concurrent requests (tasks for HTTPClient, connections for wrk).")
    var concurrency: Int = 32

    @Option(help: "Seconds per tool.")
    var duration: Int = 5

    @Option(help: "The wrk to compare with.")
    var wrk: String = "wrk"

    func run() async throws {
        let clock = SystemClock()
        let http = try HTTPClient(configuration: HTTPClientConfiguration(timeout: 10, maxConnectionsPerHost: concurrency))
        // Warm up connections.
        for _ in 0..<concurrency { _ = try await http.send(HTTPRequest(.get, url)).requireSuccess() }
        let deadline = clock.now() + Double(duration)
        let start = clock.now()
        let (ok, failed, latencies) = try await withThrowingTaskGroup(of: (Int, Int, Samples).self) { group in
            for _ in 0..<concurrency {
                group.addTask {
                    var ok = 0, failed = 0
                    var samples = Samples()
                    while clock.now() < deadline {
                        let begin = clock.now()
                        do {
                            let response = try await http.send(HTTPRequest(.get, url))
                            if response.isSuccess { ok += 1 } else { failed += 1 }
                        } catch { failed += 1 }
                        samples.add(clock.now() - begin)
                    }
                    return (ok, failed, samples)
                }
            }
            var total = (0, 0, Samples())
            for try await part in group {
                total.0 += part.0
                total.1 += part.1
                total.2.values += part.2.values
            }
            return total
        }
        let elapsed = clock.now() - start
        let swiftRate = Double(ok) / elapsed
        print("labrun-bench http — \(url), \(concurrency) concurrent, \(duration)s each")
        print(String(format: "HTTPClient: %.0f req/s (%d ok, %d failed), latency median %@ p90 %@",
                     swiftRate, ok, failed, milliseconds(latencies.median), milliseconds(latencies.p90)))
        let threads = max(1, min(concurrency, ProcessInfo.processInfo.activeProcessorCount))
        let output = try await SystemProcessRunner().check(
            Command(wrk, ["-t", String(threads), "-c", String(concurrency), "-d", "\(duration)s", "--latency", url], timeout: Double(duration + 30)),
            what: "wrk")
        let wrkRate = output.standardOutput.split(separator: "\n")
            .first { $0.contains("Requests/sec:") }
            .flatMap { Double($0.split(separator: " ").last ?? "") } ?? .nan
        print(String(format: "wrk:        %.0f req/s", wrkRate))
        print(String(format: "ratio HTTPClient / wrk: %.2f", swiftRate / wrkRate))
        http.shutdown()
    }
}
