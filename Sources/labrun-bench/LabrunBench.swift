import ArgumentParser

/// `labrun-bench`: benchmarks that print their figure next to a reference measured in the same run.
@main
struct LabrunBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "labrun-bench",
        abstract: "Benchmarks of labrun's clients, each against a reference tool in the same run, of the redactor and of hostile input.",
        subcommands: [KubeBenchmark.self, HTTPBenchmark.self, LoadBench.self, RedactBenchmark.self, HostileBenchmark.self])
}
