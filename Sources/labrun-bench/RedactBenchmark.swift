import ArgumentParser
import Foundation
import LabrunCore

/// `labrun-bench redact`: the `Redactor`'s time per MB on inputs of several shapes, each at the full
/// size and at a quarter of it: a linear redactor takes about 4× as long for 4× the input, a
/// quadratic one 16×. Prints; asserts nothing.
struct RedactBenchmark: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "redact",
        abstract: "Redactor time per MB on 1 MB inputs of several shapes (logs, long runs, keywords, base64, PEM), and the 4x scaling ratio.")

    @Option(help: "Bytes per input.")
    var size: Int = 1 << 20

    @Option(help: "Only these shapes (comma-separated; default all).")
    var shapes: String?

    @Option(help: "Secrets registered before the run (each also masked in its base64 forms).")
    var secrets: Int = 20

    @Option(help: "Runs per input; the fastest is shown (the others met a busy machine).")
    var runs: Int = 5

    func validate() throws {
        guard size >= 1024 else { throw ValidationError("--size must be at least 1024.") }
        guard (0...10_000).contains(secrets) else { throw ValidationError("--secrets must be between 0 and 10000.") }
        guard (1...100).contains(runs) else { throw ValidationError("--runs must be between 1 and 100.") }
    }

    func run() throws {
        let redactor = Redactor()
        for index in 0..<secrets { redactor.register("bench-secret-\(index)-\(String(repeating: "x", count: index % 17))") }
        let chosen = shapes.map { Set($0.split(separator: ",").map(String.init)) }
        let clock = SystemClock()
        print("labrun-bench redact — \(size) bytes per input, \(secrets) registered secrets, fastest of \(runs) runs")
        print(pad("shape", 14) + pad("time", 10, right: true) + pad("per MB", 12, right: true)
              + pad("¼ size", 10, right: true) + pad("ratio", 8, right: true) + "  masks")
        for (name, make) in RedactShapes.all where chosen?.contains(name) ?? true {
            let full = make(size)
            let quarter = make(size / 4)
            _ = redactor.redact(String(quarter.prefix(1024)))  // warm up
            func fastest(_ text: String) -> (Double, String) {
                var best = Double.infinity
                var out = ""
                for _ in 0..<runs {
                    let start = clock.now()
                    out = redactor.redact(text)
                    best = min(best, clock.now() - start)
                }
                return (best, out)
            }
            let quarterSeconds = fastest(quarter).0
            let (seconds, out) = fastest(full)
            let perMB = seconds / (Double(full.utf8.count) / 1_048_576)
            let masks = out.components(separatedBy: Redactor.mask).count - 1
            print(pad(name, 14) + pad(milliseconds(seconds), 10, right: true) + pad(milliseconds(perMB), 12, right: true)
                  + pad(milliseconds(quarterSeconds), 10, right: true)
                  + pad(String(format: "%.1fx", seconds / max(quarterSeconds, 1e-9)), 8, right: true) + "  \(masks)")
        }
        print("ratio: time of the full input over a quarter of it (4x is linear, 16x quadratic)")
    }
}

/// Inputs for the benchmark, each made to a given size in bytes (ASCII, so bytes = characters).
enum RedactShapes {
    static let all: [(String, @Sendable (Int) -> String)] = [
        ("logs", logs), ("alnum-run", alnumRun), ("url-ish", urlish), ("keywords", keywords),
        ("base64", base64), ("pem-open", pemOpen), ("mixed-ws", mixedWhitespace),
    ]

    /// Ordinary JSON log lines with now and then a password, a URL with credentials or a token.
    static func logs(_ size: Int) -> String {
        let lines = [
            #"{"level":"info","msg":"GET /api/tasks 200","pod":"backend-7d9f","ms":3.2}"#,
            #"{"level":"warn","msg":"retrying postgres://todo:s3cr3t@db:5432/todo","attempt":2}"#,
            #"{"level":"info","msg":"login","user":"u-42","password":"pw-1234","token":"eyJhbGciOiJIUzI1NiJ9.e30.abc"}"#,
            "Authorization: Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ1LTQyIn0.sig and bench-secret-7-xxxxxxx",
        ]
        return repeatToSize(lines.joined(separator: "\n") + "\n", size)
    }

    /// One alphanumeric run: the shape that made the old URL pattern quadratic.
    static func alnumRun(_ size: Int) -> String { repeatToSize("a1B2c3D4e5", size) }

    /// Many scheme-like starts with no `@` to end them.
    static func urlish(_ size: Int) -> String { repeatToSize("x://user:pass", size) }

    /// Keywords followed by separators but no value, and by values.
    static func keywords(_ size: Int) -> String { repeatToSize("token password= secret:\"v\" passwd   ", size) }

    /// A long base64 blob without line breaks (a Secret's data).
    static func base64(_ size: Int) -> String {
        String(Data((0..<(size * 3 / 4)).map { UInt8(truncatingIfNeeded: $0 &* 2_654_435_761 >> 7) }).base64EncodedString().prefix(size))
    }

    /// Private-key headers that never end.
    static func pemOpen(_ size: Int) -> String { repeatToSize("-----BEGIN RSA PRIVATE KEY-----\nMIIE\n", size) }

    /// Whitespace runs after keywords (`token     :`) and between words.
    static func mixedWhitespace(_ size: Int) -> String { repeatToSize("authorization" + String(repeating: " ", count: 61) + "\n", size) }

    static func repeatToSize(_ unit: String, _ size: Int) -> String {
        String(String(repeating: unit, count: size / max(unit.utf8.count, 1) + 1).prefix(size))
    }
}
