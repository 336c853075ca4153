import ArgumentParser
import Foundation
import LabrunCore
import ScenarioEngine
import StackLifecycle
import StackModel
import ScenarioModel

/// `labrun init`: a first stack file from an existing kustomization or Helm chart.
struct InitCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "init",
        abstract: "Write a first stack file (labrun.yaml) from an existing kustomization or Helm chart.",
        discussion: """
            Renders the manifests (kustomize, or `helm template` for a chart), reads off the images, \
            workloads, the Services in front of them and their readiness paths, and writes a stack \
            file with TODO comments where a person must fill in: how images are built, the load's \
            requests, the database and its ledger. The file is validated as written; nothing touches \
            a cluster. See specs/stack-format.md.
            """)

    @Option(name: .long, help: ArgumentHelp("A kustomization directory (holding kustomization.yaml).", valueName: "dir"))
    var kustomize: String?

    @Option(name: .long, help: ArgumentHelp("A Helm chart directory (holding Chart.yaml); needs `helm` on PATH.", valueName: "dir"))
    var helm: String?

    @Option(name: .long, help: ArgumentHelp("The stack's name (default: the output directory's name).", valueName: "name"))
    var name: String?

    @Option(name: [.short, .long], help: ArgumentHelp("Where to write the stack file.", valueName: "file"))
    var output = Stack.fileName

    @Flag(name: .long, help: "Replace an existing file.")
    var force = false

    @Flag(name: .shortAndLong, help: "Print only results and errors.")
    var quiet = false

    func validate() throws {
        guard (kustomize == nil) != (helm == nil) else {
            throw ValidationError("Give exactly one of --kustomize DIR or --helm CHART.")
        }
        if let name, !LabOptions.isValidNamespace(name) {
            throw ValidationError("--name '\(name)' is not a DNS label (lower-case letters, digits and '-', at most 63).")
        }
    }

    func run() async throws {
        let console = Console(level: quiet ? .quiet : .normal)
        do {
            let text = try await draft()
            let path = URL(fileURLWithPath: output).standardizedFileURL.path
            if FileManager.default.fileExists(atPath: path) && !force {
                throw LabrunError(id: ErrorID.initExists, exitCode: LabrunCore.ExitCode.usage,
                                  message: "\(output) exists; labrun init does not overwrite it.",
                                  advice: "Pass --force to replace it, or --output another path.")
            }
            try text.write(toFile: path, atomically: true, encoding: .utf8)
            console.info("wrote \(output); fill in the TODO lines, then `labrun up --stack \(output)`")
            do throws(ScenarioValidationError) {
                _ = try StackLoader().load(file: path, displayPath: output)
                console.result("\(output): a valid stack file")
            } catch {
                console.warn("\(output) needs editing before labrun can use it:\n\(error.description)")
            }
        } catch let error as LabrunError {
            CommandRunner.report(error, console: console)
            throw ArgumentParser.ExitCode(error.exitCode)
        }
    }

    /// The draft's text, from the manifests rendered the way `labrun up` renders them.
    func draft() async throws -> String {
        let outputDirectory = URL(fileURLWithPath: output).standardizedFileURL.deletingLastPathComponent().path
        let stackName = name ?? StackFileDraft.label(URL(fileURLWithPath: outputDirectory).lastPathComponent)
        func relative(_ path: String) -> String {
            let absolute = URL(fileURLWithPath: path).standardizedFileURL.path
            return absolute.hasPrefix(outputDirectory + "/") ? String(absolute.dropFirst(outputDirectory.count + 1)) : absolute
        }
        if let kustomize {
            let objects = try await KustomizeRenderer(runner: SystemProcessRunner())
                .render(URL(fileURLWithPath: kustomize).standardizedFileURL.path)
            return StackFileDraft(name: stackName, source: .kustomize(directory: relative(kustomize)), objects: objects).render()
        }
        let chart = helm ?? "."
        let objects = try await HelmChartRenderer(runner: SystemProcessRunner(), chart: URL(fileURLWithPath: chart).standardizedFileURL.path,
                                                  release: stackName).render(namespace: stackName, provider: "init", values: nil)
        return StackFileDraft(name: stackName, source: .helm(chart: relative(chart), release: stackName, valuesFiles: [], values: nil),
                              objects: objects).render()
    }
}
