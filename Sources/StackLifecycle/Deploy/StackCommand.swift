import Foundation
import LabrunCore
import StackModel

/// A command the stack file gives (`images.*.build.command`, `deploy.prepare`), run from the
/// stack's root: its program is a file of the stack when one of that name exists there
/// (`build.sh`, `./build.sh`, `scripts/gen.sh`), else a program on PATH (`make`, `docker`).
enum StackCommand {
    static func make(_ argv: [String], stack: Stack, timeout: Double) -> Command {
        guard let program = argv.first else { return Command("true", timeout: timeout) }
        let local = stack.path(program)
        let executable = program.contains("/") || FileManager.default.isExecutableFile(atPath: local) ? local : program
        return Command(executable, Array(argv.dropFirst()), workingDirectory: stack.root, timeout: timeout)
    }
}
