import ArgumentParser
import Foundation
import LabrunCore

/// Checks of what a path or name flag says, made when the command line is parsed: before anything
/// starts, not after a whole run (a `--report-dir` that names a file used to be found out only when
/// the reports were written). Every message quotes the value with its control characters shown.
enum FlagCheck {
    /// A non-empty name with no control character (`--context`, `--label`).
    static func name(_ value: String, flag: String, what: String) throws {
        guard !value.isEmpty else { throw ValidationError("\(flag) needs \(what); leave the flag out for the default.") }
        guard value.count <= 253 else { throw ValidationError("\(flag) is \(value.count) characters long; \(what) has at most 253.") }
        if value.unicodeScalars.contains(where: { TerminalText.needsEscape($0) || $0 == "\n" || $0 == "\t" }) {
            throw ValidationError("\(flag) '\(TerminalText.quoted(value))' holds control characters; \(what) has none.")
        }
    }

    /// A file labrun reads: it exists, is a regular file (a symbolic link to one is fine) of at most
    /// `maxBytes`, and lies outside the kernel's pseudo file systems.
    static func readableFile(_ path: String, flag: String, maxBytes: Int64) throws {
        let shown = TerminalText.quoted(path)
        guard !path.isEmpty else { throw ValidationError("\(flag) needs a path.") }
        if let tree = Platform.pseudoFileSystem(of: path) {
            throw ValidationError("\(flag) '\(shown)' lies in \(tree), which holds kernel files, not configuration.")
        }
        switch FileKind.of(path) {
        case .missing:
            throw ValidationError("\(flag) '\(shown)' does not exist.")
        case .regular(let size) where size > maxBytes:
            throw ValidationError("\(flag) '\(shown)' is \(size) bytes; labrun reads at most \(maxBytes).")
        case .regular:
            guard access(path, R_OK) == 0 else { throw ValidationError("\(flag) '\(shown)' is not readable by this user.") }
        case let kind:
            throw ValidationError("\(flag) '\(shown)' is \(kind.phrase), not a regular file.")
        }
    }

    /// A directory labrun writes into, created when missing: it is a directory (or can be made one
    /// under the nearest existing directory), writable, and outside the kernel's pseudo file systems.
    static func writableDirectory(_ path: String, flag: String) throws {
        try writable(path, flag: flag, directory: true)
    }

    /// A file labrun writes (created when missing): a regular file or nothing yet, under a directory it can write.
    static func writableFile(_ path: String, flag: String) throws {
        try writable(path, flag: flag, directory: false)
    }

    private static func writable(_ path: String, flag: String, directory: Bool) throws {
        let shown = TerminalText.quoted(path)
        guard !path.isEmpty else { throw ValidationError("\(flag) needs a path.") }
        if let tree = Platform.pseudoFileSystem(of: path) {
            throw ValidationError("\(flag) '\(shown)' lies in \(tree), where \(directory ? "reports cannot be written" : "labrun does not write").")
        }
        let resolved = Platform.resolvedPath(path)
        let kind = FileKind.of(resolved)
        switch (kind, directory) {
        case (.directory, true), (.regular, false):
            guard access(resolved, directory ? W_OK | X_OK : W_OK) == 0 else {
                throw ValidationError("\(flag) '\(shown)' is not writable by this user.")
            }
        case (.missing, _):
            try creatable(resolved, flag: flag, shown: shown)
        default:
            throw ValidationError("\(flag) '\(shown)' is \(kind.phrase), not \(directory ? "a directory" : "a regular file").")
        }
    }

    /// The nearest existing ancestor of a missing `resolved` path is a directory this user can write.
    private static func creatable(_ resolved: String, flag: String, shown: String) throws {
        var ancestor = (resolved as NSString).deletingLastPathComponent
        while FileKind.of(ancestor) == .missing, ancestor != "/" { ancestor = (ancestor as NSString).deletingLastPathComponent }
        let kind = FileKind.of(ancestor)
        guard kind == .directory else {
            throw ValidationError("\(flag) '\(shown)' cannot be created: \(TerminalText.quoted(ancestor)) is \(kind.phrase), not a directory.")
        }
        guard access(ancestor, W_OK | X_OK) == 0 else {
            throw ValidationError("\(flag) '\(shown)' cannot be created: \(TerminalText.quoted(ancestor)) is not writable by this user.")
        }
    }
}
