import ArgumentParser
import Foundation
import LabrunCore
import LabrunTestSupport
import ScenarioModel
import StackModel

/// `labrun-bench hostile`: the time and peak memory of the scenario loader on the worst inputs of the
/// hostile corpus (issue 13): the largest files, the deepest nesting, the most values, errors and step
/// references, the longest tokens, an alias bomb. Each case runs in a child process of its own, so that
/// its peak resident memory is its own (from `wait4`). Prints the figures; asserts nothing.
struct HostileBenchmark: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "hostile",
        abstract: "Time and peak memory of the scenario loader on the worst hostile inputs, each in a process of its own.",
        discussion: "Run a release build (`swift build -c release`) for figures worth comparing; a debug build is several times slower.")

    @Option(help: ArgumentHelp("Run only case N here and print its result (what each child does).", visibility: .hidden))
    var only: Int?

    func run() throws {
        if let only { return try runCase(only) }
        guard let executable = Bundle.main.executablePath else {
            throw LabrunError(id: ErrorID.benchFailed, message: "Cannot find this program's own path to run each case in a child.")
        }
        print("The scenario loader on hostile inputs (each case in its own process; time = read + parse + validate):")
        let header = pad("case", 48) + pad("input", 10, right: true) + pad("time", 10, right: true)
            + pad("peak RSS", 11, right: true) + pad("before", 9, right: true) + "  outcome"
        print(header)
        print(String(repeating: "-", count: header.count + 20))
        for (index, item) in HostileInputs.worstCases.enumerated() {
            let child = try MeasuredChild.run([executable, "hostile", "--only", String(index)])
            let fields = child.output.split(separator: "\n").first { $0.hasPrefix("result\t") }?.split(separator: "\t").map(String.init) ?? []
            guard child.status == 0, fields.count == 5 else {
                print(pad(item.name, 48) + "  FAILED (status \(child.status)): \(child.output.suffix(300))")
                continue
            }
            let bytes = Int(fields[1]) ?? 0, seconds = Double(fields[2]) ?? 0, before = Double(fields[3]) ?? 0
            print(pad(item.name, 48) + pad(Self.size(bytes), 10, right: true) + pad(milliseconds(seconds), 10, right: true)
                  + pad(String(format: "%.1f MiB", child.peakMiB), 11, right: true) + pad(String(format: "%.0f MiB", before), 9, right: true)
                  + "  " + fields[4])
        }
        print("peak RSS: the child's whole life (input made, file written and read, parsed); before: its RSS once the input was made.")
    }

    /// One case: make the input, write it, load it as `labrun list` would, print `result\tbytes\tseconds\trss-before\toutcome`.
    private func runCase(_ index: Int) throws {
        guard HostileInputs.worstCases.indices.contains(index) else { throw ValidationError("no case \(index)") }
        let stack = try Self.todoStack()
        let text = HostileInputs.worstCases[index].make()
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("labrun-bench-hostile-\(getpid())").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let path = directory + "/hostile.yaml"
        try Data(text.utf8).write(to: URL(fileURLWithPath: path))
        let before = Platform.residentMemory(peak: false) ?? 0
        let clock = SystemClock()
        let start = clock.now()
        let outcome: String
        do throws(ScenarioValidationError) {
            _ = try ScenarioLoader(stack: stack).load(file: path, displayPath: "hostile.yaml")
            outcome = "accepted"
        } catch {
            let first = error.errors.first.map { "\($0.line):\($0.column): \($0.message)" } ?? ""
            outcome = "\(error.errors.count) error(s): " + (first.count > 90 ? first.prefix(90) + "…" : first)
        }
        let seconds = clock.now() - start
        print("result\t\(text.utf8.count)\t\(seconds)\t\(before)\t\(outcome)")
    }

    /// The todo stack (`stack/labrun.yaml`, found from this file's place in the repository).
    private static func todoStack() throws -> Stack {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        do throws(ScenarioValidationError) {
            return try StackLoader().load(file: root.appendingPathComponent("stack/labrun.yaml").path)
        } catch {
            throw error.stackLabrunError
        }
    }

    private static func size(_ bytes: Int) -> String {
        bytes >= 1 << 20 ? String(format: "%.2f MiB", Double(bytes) / Double(1 << 20))
            : bytes >= 1 << 10 ? String(format: "%.1f KiB", Double(bytes) / 1024) : "\(bytes) B"
    }
}
