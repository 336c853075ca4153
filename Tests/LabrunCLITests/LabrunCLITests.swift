import ArgumentParser
import Foundation
import ClusterProviders
import LabrunCore
import Reports
import ScenarioModel
import StackLifecycle
@testable import LabrunCLI
import Testing

/// Serialized: ArgumentParser hands values to property wrappers through process-wide state while it
/// parses, so two parses at once (Swift Testing runs tests in parallel) crash or mix their options.
@Suite(.serialized) struct LabrunCLITests {
    /// A snapshot of `labrun --help`: a change to the command line shows up here.
    @Test func helpSnapshot() {
        let actual = LabrunCommand.helpMessage(columns: 100)
        if let path = ProcessInfo.processInfo.environment["LABRUN_WRITE_SNAPSHOT"] {
            try? actual.write(toFile: path, atomically: true, encoding: .utf8)
        }
        #expect(actual == """
            OVERVIEW: A local cluster lab: bring up Kubernetes and a stack described by its stack file, run
            chaos scenarios against it.

            The stack under test is described by its stack file: --stack PATH (or LABRUN_STACK; default the
            project's stack/labrun.yaml, the todo app). `labrun init` writes a first one for an existing
            kustomization or Helm chart; see specs/stack-format.md.

            Cluster providers: minikube (the default where it is installed), kind, bare (Kubernetes on this
            Linux host, one to four nodes, root only) and existing (a kubeconfig context labrun never creates
            or deletes). Choose one with --provider or LABRUN_PROVIDER; otherwise labrun picks the first
            available of minikube, kind, bare.

            Every scenario is also a command of its own: `labrun chaos-rolling-update` is short for `labrun run
            chaos-rolling-update` (see `labrun list`).

            Exit codes: 0 ok, 1 failed, 2 a fault did not land (nothing proven), 64 usage, 65 invalid input, 69
            unavailable, 70 external failure, 75 timeout, 130 interrupted.

            USAGE: labrun <subcommand>

            OPTIONS:
              --version               Show the version.
              -h, --help              Show help information.

            SUBCOMMANDS:
              up                      Bring up the cluster and the stack (idempotent: a second run changes
                                      nothing).
              down                    Remove the stack, then stop the cluster if labrun started it.
              status                  Show the provider, nodes, each workload (ready/desired, versions,
                                      restarts) and leftovers.
              init                    Write a first stack file (labrun.yaml) from an existing kustomization or
                                      Helm chart.
              list                    List the scenarios with their descriptions and labels.
              build                   Build the stack's images whose inputs changed (touches no cluster).
              run                     Run the named scenarios and write the reports.
              all                     Run every scenario (or those with --label) and write the reports.
              compare                 Compare the newest run of each scenario with its previous run or a named
                                      baseline, and flag regressions.
              baseline                Save the newest run of each scenario as a named baseline, or list the
                                      baselines.

              See 'labrun help <subcommand>' for detailed help.
            """)
    }

    @Test func upHelpListsTheGlobalOptions() {
        let help = LabrunCommand.helpMessage(for: UpCommand.self, columns: 200)
        for option in ["--provider <name>", "--kubeconfig <file>", "--context <name>", "--namespace <name>", "--verbose", "--quiet"] {
            #expect(help.contains(option), "missing \(option)")
        }
        #expect(help.contains("Ctrl-C or SIGTERM"))
        #expect(LabrunCommand.helpMessage(for: DownCommand.self, columns: 200).contains("--keep-cluster"))
    }

    @Test func parsesGlobalOptions() throws {
        let parsed = try LabrunCommand.parseAsRoot(["up", "--provider", "bare", "--namespace", "lab-2", "-v"])
        let up = try #require(parsed as? UpCommand)
        #expect(up.global.provider == "bare")
        #expect(up.global.namespace == "lab-2")
        #expect(up.global.verbose && !up.global.quiet)
        let layout = ProjectLayout(root: Self.repositoryRoot, stateDirectory: "/tmp/labrun-cli-test")
        let upOptions = try up.global.labOptions(layout: layout, environment: [:])
        #expect(upOptions.kubeContext == nil, "\(String(describing: upOptions.kubeContext))")
        #expect(try up.global.labOptions(layout: layout, environment: [:]).stack.name == "todo")
        // --kubeconfig must name a readable regular file when the command line is parsed.
        let kubeconfig = FileManager.default.temporaryDirectory.appendingPathComponent("labrun-cli-\(UUID().uuidString).kubeconfig").path
        FileManager.default.createFile(atPath: kubeconfig, contents: Data("apiVersion: v1\n".utf8))
        defer { try? FileManager.default.removeItem(atPath: kubeconfig) }
        let status = try #require(try LabrunCommand.parseAsRoot(["status", "--kubeconfig", kubeconfig, "--context", "c", "-q"]) as? StatusCommand)
        #expect(status.global.kubeconfig == kubeconfig && status.global.context == "c" && status.global.quiet)
        #expect(status.global.namespace == nil)
        #expect(try status.global.labOptions(layout: layout, environment: [:]).namespace == "todo", "the stack's name")
        let down = try #require(try LabrunCommand.parseAsRoot(["down", "--keep-cluster"]) as? DownCommand)
        #expect(down.keepCluster)
        let run = try #require(try LabrunCommand.parseAsRoot(["run", "chaos-pod-kill", "db-persistence-restart"]) as? RunCommand)
        #expect(run.names == ["chaos-pod-kill", "db-persistence-restart"])
    }

    @Test func rejectsBadArgumentsWithAUsageError() {
        #expect(throws: (any Error).self) { try LabrunCommand.parseAsRoot(["up", "--namespace", "Not_Valid"]) }
        #expect(throws: (any Error).self) { try LabrunCommand.parseAsRoot(["status", "--verbose", "--quiet"]) }
        #expect(throws: (any Error).self) { try LabrunCommand.parseAsRoot(["up", "--frobnicate"]) }
        do {
            _ = try LabrunCommand.parseAsRoot(["up", "--namespace", "Bad"])
        } catch {
            #expect(LabrunCommand.exitCode(for: error).rawValue == 64)
            #expect(LabrunCommand.message(for: error).contains("is not a valid namespace name"))
        }
    }

    /// `--reuse-namespace` follows the rules of `setup.reuseNamespace`, checked before anything starts.
    @Test func aReusedNamespaceMustBeAValidNonSystemNamespace() throws {
        for (value, problem) in [("../../x", "\"../../x\" is not a namespace name"), ("kube-system", "kube-system is a system namespace"),
                                 ("default", "default is a system namespace"), ("", "\"\" is not a namespace name")] {
            do {
                _ = try LabrunCommand.parseAsRoot(["run", "chaos-pod-kill", "--reuse-namespace", value])
                Issue.record("--reuse-namespace \(value) was accepted")
            } catch {
                #expect(LabrunCommand.exitCode(for: error).rawValue == 64)
                #expect(LabrunCommand.message(for: error).contains("--reuse-namespace: " + problem), "\(LabrunCommand.message(for: error))")
            }
        }
        let run = try #require(try LabrunCommand.parseAsRoot(["run", "chaos-pod-kill", "--reuse-namespace", "lab-1"]) as? RunCommand)
        #expect(run.scenario.reuseNamespace == "lab-1")
    }

    @Test func scenarioOptionsParse() throws {
        let all = try #require(try LabrunCommand.parseAsRoot(
            ["all", "--label", "kind=chaos", "--fail-fast", "--keep", "--report-dir", "/tmp/r"]) as? AllCommand)
        #expect(all.scenario.labelSelector == ["kind": "chaos"])
        #expect(all.scenario.failFast && all.scenario.keep)
        #expect(all.scenario.reportDirectory == "/tmp/r")
        #expect(all.scenario.repeats == 1, "one run unless --repeat")
        #expect(all.scenario.reports.history.file.path == "/tmp/r/history.jsonl", "the history lives in the report directory")
        #expect(throws: (any Error).self) { try LabrunCommand.parseAsRoot(["all", "--label", "nokey"]) }
        #expect(throws: (any Error).self) { try LabrunCommand.parseAsRoot(["run"]) }
    }

    @Test func repeatIsAnOptionOfRunAllAndTheShortcut() throws {
        let run = try #require(try LabrunCommand.parseAsRoot(["run", "db-persistence-restart", "--repeat", "5"]) as? RunCommand)
        #expect(run.scenario.repeats == 5)
        let all = try #require(try LabrunCommand.parseAsRoot(["all", "--repeat", "3", "--parallel", "2", "--history", "/tmp/h.jsonl"]) as? AllCommand)
        #expect(all.scenario.repeats == 3 && all.scenario.parallel == 2)
        #expect(all.scenario.reports.history.file.path == "/tmp/h.jsonl")
        let names: Set<String> = ["db-persistence-restart"]
        let expanded = ScenarioShortcut.expand(["--repeat", "5", "db-persistence-restart"], scenarioNames: { _ in names })
        #expect(expanded == ["run", "--repeat", "5", "db-persistence-restart"], "the value of --repeat is not a command")
        let shortcut = try #require(try LabrunCommand.parseAsRoot(
            ScenarioShortcut.expand(["db-persistence-restart", "--repeat", "5"], scenarioNames: { _ in names })) as? RunCommand)
        #expect(shortcut.names == ["db-persistence-restart"] && shortcut.scenario.repeats == 5)
        for bad in ["0", "101", "-1"] {
            do {
                _ = try LabrunCommand.parseAsRoot(["run", "x", "--repeat", bad])
                Issue.record("--repeat \(bad) was accepted")
            } catch {
                #expect(LabrunCommand.exitCode(for: error).rawValue == 64)
            }
        }
        #expect(LabrunCommand.helpMessage(for: RunCommand.self, columns: 200).contains("--repeat <n>"))
        #expect(LabrunCommand.helpMessage(for: AllCommand.self, columns: 200).contains("flaky"))
    }

    @Test func compareAndBaselineParse() throws {
        let compare = try #require(try LabrunCommand.parseAsRoot(["compare", "--baseline", "v1", "chaos-pod-kill"]) as? CompareCommand)
        #expect(compare.baseline == "v1" && compare.names == ["chaos-pod-kill"])
        #expect(compare.reports.history.file.lastPathComponent == "history.jsonl")
        let save = try #require(try LabrunCommand.parseAsRoot(["baseline", "save", "before-upgrade", "--report-dir", "/tmp/r"]) as? BaselineSaveCommand)
        #expect(save.name == "before-upgrade")
        #expect(save.reports.history.baselineDirectory.path == "/tmp/r/baselines")
    }

    @Test func aFlakyScenarioFailsTheCommandWithItsOwnID() throws {
        let figures = [FigureDistribution(name: "error window: back", unit: .seconds,
                                          distribution: Distribution(count: 5, min: 1, median: 2, p90: 3, max: 3))]
        let flaky = RepeatSummary(scenario: "db", runs: 5, passed: 4, verdict: .flaky, figures: figures)
        let passed = RepeatSummary(scenario: "ok", runs: 5, passed: 5, verdict: .passed, figures: [])
        let failed = RepeatSummary(scenario: "bad", runs: 5, passed: 0, verdict: .failed, figures: [])
        #expect(ScenarioCommandRunner.failure([passed], report: "r.html") == nil)
        let onlyFlaky = try #require(ScenarioCommandRunner.failure([passed, flaky], report: "r.html"))
        #expect(onlyFlaky.id == "SCENARIO_FLAKY" && onlyFlaky.exitCode == 1)
        #expect(onlyFlaky.message.contains("db (flaky — 4 of 5 runs passed (80%))"), "\(onlyFlaky.message)")
        let mixed = try #require(ScenarioCommandRunner.failure([flaky, failed], report: "r.html"))
        #expect(mixed.id == "SCENARIO_FAILED" && mixed.message.hasPrefix("2 of 2 scenario(s) did not pass"))
        // A fault that did not land has its own exit code; beside a failure, the failure decides.
        let notLanded = RepeatSummary(scenario: "cut", runs: 1, passed: 0, verdict: .faultNotLanded, figures: [])
        let alone = try #require(ScenarioCommandRunner.failure([passed, notLanded], report: "r.html"))
        #expect(alone.id == "SCENARIO_FAULT_NOT_LANDED" && alone.exitCode == 2)
        #expect(alone.message.contains("cut (faultNotLanded"), "\(alone.message)")
        #expect(try #require(ScenarioCommandRunner.failure([notLanded, failed], report: "r.html")).exitCode == 1)
    }

    /// A scenario the cluster cannot host (a node fault on one node) is skipped: beside others that ran it
    /// fails nothing (a warning names it), but a run where everything was skipped proved nothing.
    @Test func skippedScenariosFailTheCommandOnlyWhenNothingRan() throws {
        let passed = RepeatSummary(scenario: "ok", runs: 1, passed: 1, verdict: .passed, figures: [])
        let skipped = RepeatSummary(scenario: "node-failure", runs: 1, passed: 0, verdict: .skipped, figures: [])
        let failed = RepeatSummary(scenario: "bad", runs: 1, passed: 0, verdict: .failed, figures: [])
        #expect(ScenarioCommandRunner.failure([passed, skipped], report: "r.html") == nil)
        let nothing = try #require(ScenarioCommandRunner.failure([skipped], report: "r.html"))
        #expect(nothing.id == "SCENARIO_SKIPPED" && nothing.exitCode == 1 && nothing.message.contains("node-failure skipped"))
        let withFailure = try #require(ScenarioCommandRunner.failure([skipped, failed], report: "r.html"))
        #expect(withFailure.id == "SCENARIO_FAILED" && withFailure.message.hasPrefix("1 of 2 scenario(s) did not pass: bad (failed)"))
    }

    /// `labrun all` starts the longest scenarios first: each one's duration the last time it ran, from the history.
    @Test func theExpectedDurationsComeFromEachScenariosNewestRecord() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("labrun-expected-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        let history = RunHistory(reportDirectory: directory)
        #expect(ScenarioCommandRunner.expectedSeconds(history).isEmpty, "no history yet: the order given")
        func record(_ scenario: String, _ seconds: Double, run: String) -> HistoryRecord {
            let duration = FigureDistribution(name: "duration", unit: .seconds,
                                              distribution: Distribution(count: 1, min: seconds, median: seconds, p90: seconds, max: seconds))
            return HistoryRecord(run: run, at: Date(), summary: RepeatSummary(scenario: scenario, runs: 1, passed: 1, verdict: .passed,
                                                                              figures: [duration]))
        }
        try history.append([record("a", 100, run: "1"), record("b", 50, run: "1")])
        try history.append([record("a", 180, run: "2")])
        #expect(ScenarioCommandRunner.expectedSeconds(history) == ["a": 180, "b": 50])
    }

    @Test func registryOptionsReachTheLabOptionsOfTheCommandsThatDeploy() throws {
        let layout = ProjectLayout(root: Self.repositoryRoot, stateDirectory: "/tmp/labrun-cli-test")
        let up = try #require(try LabrunCommand.parseAsRoot(["up", "--registry", "127.0.0.1:5000/lab", "--registry-pull-secret", "regcred"]) as? UpCommand)
        let options = try up.global.labOptions(layout: layout, registry: up.registry, environment: [:])
        #expect(options.registry == (try ImageRegistry("127.0.0.1:5000/lab", pullSecret: "regcred")))
        // The environment when no option is given; the option over the environment.
        let plain = try #require(try LabrunCommand.parseAsRoot(["up"]) as? UpCommand)
        #expect(try plain.global.labOptions(layout: layout, registry: plain.registry, environment: ["LABRUN_REGISTRY": "r.example.com"]).registry?.location == "r.example.com")
        #expect(try plain.global.labOptions(layout: layout, registry: plain.registry, environment: [:]).registry == nil)
        #expect(try up.global.labOptions(layout: layout, registry: up.registry, environment: ["LABRUN_REGISTRY": "r.example.com"]).registry?.location == "127.0.0.1:5000/lab")
        let run = try #require(try LabrunCommand.parseAsRoot(["run", "chaos-pod-kill", "--registry", "r.example.com"]) as? RunCommand)
        #expect(run.registry.registry == "r.example.com")
        let all = try #require(try LabrunCommand.parseAsRoot(["all", "--registry", "r.example.com"]) as? AllCommand)
        #expect(all.registry.registry == "r.example.com")
        // The shortcut: the values of --registry and --access are not scenario names.
        let names: Set<String> = ["chaos-pod-kill"]
        #expect(ScenarioShortcut.expand(["--registry", "r.example.com", "--access", "port-forward", "chaos-pod-kill"], scenarioNames: { _ in names })
                == ["run", "--registry", "r.example.com", "--access", "port-forward", "chaos-pod-kill"])
        #expect(LabrunCommand.helpMessage(for: UpCommand.self, columns: 200).contains("--registry <host[:port][/path]>"))
        #expect(LabrunCommand.helpMessage(for: UpCommand.self, columns: 200).contains("kubectl create secret docker-registry"))
    }

    @Test func aBadRegistryIsAUsageError() throws {
        for bad in [["up", "--registry", "https://r.example.com"], ["up", "--registry", "myaccount"],
                    ["run", "x", "--registry", "r.example.com", "--registry-pull-secret", "Bad_Name"]] {
            do {
                _ = try LabrunCommand.parseAsRoot(bad)
                Issue.record("\(bad) was accepted")
            } catch {
                #expect(LabrunCommand.exitCode(for: error).rawValue == 64)
                #expect(LabrunCommand.message(for: error).contains("registry") || LabrunCommand.message(for: error).contains("Secret"))
            }
        }
        let layout = ProjectLayout(root: Self.repositoryRoot, stateDirectory: "/tmp/labrun-cli-test")
        let up = try #require(try LabrunCommand.parseAsRoot(["up", "--registry-pull-secret", "regcred"]) as? UpCommand)
        do {
            _ = try up.global.labOptions(layout: layout, registry: up.registry, environment: [:])
            Issue.record("a pull secret without a registry was accepted")
        } catch let error as LabrunError {
            #expect(error.id == ErrorID.registryInvalid && error.exitCode == 64)
        }
    }

    @Test func aScenarioNameIsACommandOfItsOwn() {
        let names: Set<String> = ["chaos-pod-kill", "chaos-rolling-update"]
        #expect(ScenarioShortcut.expand(["chaos-rolling-update", "--keep"], scenarioNames: { _ in names })
                == ["run", "chaos-rolling-update", "--keep"])
        #expect(ScenarioShortcut.expand(["--stack", "examples/x", "chaos-pod-kill"], scenarioNames: { _ in names })
                == ["run", "--stack", "examples/x", "chaos-pod-kill"])
        #expect(ScenarioShortcut.expand(["up"], scenarioNames: { _ in names }) == ["up"])
        #expect(ScenarioShortcut.expand(["--help"], scenarioNames: { _ in names }) == ["--help"])
        #expect(ScenarioShortcut.expand(["no-such-scenario"], scenarioNames: { _ in names }) == ["no-such-scenario"])
    }

    @Test func aBadStackFileIsALocatedErrorBeforeAnythingRuns() throws {
        let layout = ProjectLayout(root: Self.repositoryRoot, stateDirectory: "/tmp/labrun-cli-test")
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("labrun-\(UUID().uuidString).yaml").path
        try "apiVersion: labrun.dev/v1alpha1\nkind: Stack\nmetadta: {}\n".write(toFile: file, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: file) }
        let up = try #require(try LabrunCommand.parseAsRoot(["up", "--stack", file]) as? UpCommand)
        do {
            _ = try up.global.labOptions(layout: layout, environment: [:])
            Issue.record("an invalid stack file was accepted")
        } catch let error as LabrunError {
            #expect(error.id == "STACK_INVALID" && error.exitCode == 65)
            #expect(error.message.contains("\(file):3:1: metadta: unknown key \"metadta\"; did you mean \"metadata\"?"))
        }
    }

    static let repositoryRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().path
}
