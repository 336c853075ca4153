import Foundation
import LabrunCore
import LabrunTestSupport
@testable import ScenarioModel

/// The hostile corpus cases that are made at test time: bytes that are not text (encodings, NUL,
/// raw ESC), inputs too large to commit (sizes, depth, counts), and what is not a plain file (FIFOs,
/// devices, sockets, directories, symbolic links, duplicates). The cases that are plain YAML are
/// committed in `Fixtures/hostile/`. Each case names its class and what it expects: refused with
/// every fragment in the errors, or accepted for a stated reason.
struct HostileCase: Sendable, CustomStringConvertible {
    enum Source: Sendable { case scenarioFile, scenarioDirectory, stackFile }
    enum Outcome: Sendable {
        case refused([String])
        case accepted(because: String)
    }

    let name: String
    let kind: String
    let source: Source
    let outcome: Outcome
    /// Makes the input in the empty directory given; returns the path to load.
    let make: @Sendable (String) throws -> String

    var description: String { name }

    init(_ name: String, _ kind: String, _ source: Source = .scenarioFile, _ outcome: Outcome,
         make: @escaping @Sendable (String) throws -> String) {
        self.name = name
        self.kind = kind
        self.source = source
        self.outcome = outcome
        self.make = make
    }

    /// A case whose input is one scenario file `<name>.yaml` holding `bytes`.
    init(_ name: String, _ kind: String, _ outcome: Outcome, bytes: @escaping @Sendable (String) -> [UInt8]) {
        self.init(name, kind, .scenarioFile, outcome) { directory in
            let path = directory + "/\(name).yaml"
            try Data(bytes(name)).write(to: URL(fileURLWithPath: path))
            return path
        }
    }

    /// A case whose input is one scenario file `<name>.yaml` holding `text`.
    init(_ name: String, _ kind: String, _ outcome: Outcome, text: @escaping @Sendable (String) -> String) {
        self.init(name, kind, outcome) { Array(text($0).utf8) }
    }

    /// A case whose input is one stack file `labrun.yaml` holding `bytes`.
    static func stack(_ name: String, _ kind: String, _ outcome: Outcome, bytes: @escaping @Sendable () -> [UInt8]) -> HostileCase {
        HostileCase(name, kind, .stackFile, outcome) { directory in
            let path = directory + "/labrun.yaml"
            try Data(bytes()).write(to: URL(fileURLWithPath: path))
            return path
        }
    }
}

enum HostileCases {
    typealias Inputs = HostileInputs
    static let valid = Inputs.scenario

    static let all: [HostileCase] = encodings + sizes + files + stacks

    // MARK: Encodings, BOM, line endings, NUL and raw control bytes

    static let encodings: [HostileCase] = [
        HostileCase("utf8-bom-accepted", "encodings", .accepted(because: "a UTF-8 byte-order mark is dropped")) {
            [0xEF, 0xBB, 0xBF] + Array(valid($0, "", nil, "Hostile fixture.").utf8)
        },
        HostileCase("utf16le-bom", "encodings", .refused(["1:1: the file is UTF-16 text", "save it as UTF-8"])) {
            [0xFF, 0xFE] + valid($0, "", nil, "Hostile fixture.").utf16.flatMap { [UInt8($0 & 0xFF), UInt8($0 >> 8)] }
        },
        HostileCase("utf16be-bom", "encodings", .refused(["1:1: the file is UTF-16 text"])) {
            [0xFE, 0xFF] + valid($0, "", nil, "Hostile fixture.").utf16.flatMap { [UInt8($0 >> 8), UInt8($0 & 0xFF)] }
        },
        HostileCase("utf16le-without-bom", "encodings", .refused(["1:2: contains the control character U+0000, which YAML does not allow"])) {
            valid($0, "", nil, "Hostile fixture.").utf16.flatMap { [UInt8($0 & 0xFF), UInt8($0 >> 8)] }
        },
        HostileCase("utf32-bom", "encodings", .refused(["1:3: the file is not UTF-8 text: byte 0xFE here"])) {
            [0x00, 0x00, 0xFE, 0xFF] + valid($0, "", nil, "Hostile fixture.").unicodeScalars.flatMap {
                [0, UInt8($0.value >> 16), UInt8(($0.value >> 8) & 0xFF), UInt8($0.value & 0xFF)]
            }
        },
        HostileCase("latin1-byte", "encodings", .refused(["5:19: the file is not UTF-8 text: byte 0xE9 here"])) {
            Array(valid($0, "", nil, "Caf").utf8).replacing(Array("Caf\n".utf8), with: Array("Caf".utf8) + [0xE9, 0x0A])
        },
        HostileCase("overlong-slash", "encodings", .refused(["byte 0xC0 here does not start a valid UTF-8 sequence"])) {
            Array(valid($0, "", nil, "a").utf8).replacing(Array("a\n".utf8), with: [0x61, 0xC0, 0xAF, 0x0A])
        },
        HostileCase("encoded-surrogate", "encodings", .refused(["byte 0xED here"])) {
            Array(valid($0, "", nil, "a").utf8).replacing(Array("a\n".utf8), with: [0x61, 0xED, 0xA0, 0x80, 0x0A])
        },
        HostileCase("truncated-at-the-end", "encodings", .refused(["the file is not UTF-8 text"])) {
            Array(valid($0, "", nil, "Hostile fixture.").utf8) + [0xE2, 0x82]
        },
        HostileCase("crlf-accepted", "encodings", .accepted(because: "YAML reads CR LF as a line break")) {
            valid($0, "", nil, "Hostile fixture.").replacingOccurrences(of: "\n", with: "\r\n")
        },
        HostileCase("mixed-line-endings-accepted", "encodings", .accepted(because: "LF, CR LF and CR are all line breaks to YAML")) {
            valid($0, "", nil, "Hostile fixture.").replacingOccurrences(of: "kind: Scenario\n", with: "kind: Scenario\r\n")
                .replacingOccurrences(of: "metadata:\n", with: "metadata:\r")
        },
        HostileCase("nul-in-a-value", "encodings", .refused(["5:18: contains the control character U+0000, which YAML does not allow"])) {
            Array(valid($0, "", nil, "abc").utf8).replacing(Array("abc".utf8), with: [0x61, 0x62, 0x00, 0x63])
        },
        HostileCase("nul-first", "encodings", .refused(["1:1: contains the control character U+0000"])) {
            [0x00] + Array(valid($0, "", nil, "Hostile fixture.").utf8)
        },
        HostileCase("raw-escape-in-description", "encodings", .refused(["5:16: contains the control character U+001B, which YAML does not allow"])) {
            Array(valid($0, "", nil, "CLEAR").utf8).replacing(Array("CLEAR".utf8), with: [0x1B] + Array("[2J".utf8))
        },
        HostileCase("raw-delete", "encodings", .refused(["contains the control character U+007F"])) {
            Array(valid($0, "", nil, "abc").utf8).replacing(Array("abc".utf8), with: [0x61, 0x7F])
        },
        HostileCase("raw-c1-control", "encodings", .refused(["contains the control character U+009B"])) {
            Array(valid($0, "", nil, "abc").utf8).replacing(Array("abc".utf8), with: [0x61, 0xC2, 0x9B])
        },
        HostileCase("tab-after-a-value-accepted", "encodings", .accepted(because: "a tab between a value and its comment is white space")) {
            valid($0, "", nil, "Hostile fixture.\t# a comment")
        },
    ]

    // MARK: Sizes, depth, counts and long tokens (made here: too big to commit)

    static let sizes: [HostileCase] = [
        HostileCase("over-one-mebibyte", "sizes", .refused(["1:1: is 1048577 bytes; a scenario file is at most 1 MiB of YAML"])) {
            Inputs.padded(valid($0, "", nil, "Hostile fixture."), to: (1 << 20) + 1)
        },
        HostileCase("one-mebibyte-accepted", "sizes", .accepted(because: "1 MiB is the limit, included")) {
            Inputs.padded(valid($0, "", nil, "Hostile fixture."), to: 1 << 20)
        },
        HostileCase("sparse-five-gigabytes", "sizes", .scenarioFile, .refused(["1:1: is 5368709120 bytes; a scenario file is at most 1 MiB"])) { directory in
            let path = directory + "/sparse-five-gigabytes.yaml"
            FileManager.default.createFile(atPath: path, contents: Data(valid("sparse-five-gigabytes", "", nil, "x").utf8))
            let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
            try handle.truncate(atOffset: 5 << 30)
            try handle.close()
            return path
        },
        HostileCase("value-over-64-kib", "sizes", .refused(["5:16: a value of 65537 bytes; values are at most 64 KiB"])) {
            valid($0, "", nil, String(repeating: "d", count: (64 << 10) + 1))
        },
        HostileCase("value-of-64-kib-accepted", "sizes", .accepted(because: "64 KiB is the limit of a value, included")) {
            valid($0, "", nil, String(repeating: "d", count: 64 << 10))
        },
        HostileCase("key-over-512-bytes", "sizes", .refused(["6:3: a key of 513 bytes; keys are at most 512 bytes"])) {
            valid($0, "  " + String(repeating: "k", count: 513) + ": 1\n", nil, "Hostile fixture.")
        },
        HostileCase("long-unknown-key", "sizes", .refused(["unknown key \"" + String(repeating: "k", count: 64) + "…\" (500 characters) (expected one of"])) {
            valid($0, "  " + String(repeating: "k", count: 500) + ": 1\n", nil, "Hostile fixture.")
        },
        HostileCase("long-token-in-the-name", "sizes", .refused(["4:9: metadata.name: invalid name \"" + String(repeating: "a", count: 64) + "…\" (61440 characters)"])) { _ in
            Inputs.longToken("", inName: true, length: 60 << 10)
        },
        HostileCase("long-step-reference", "sizes", .refused(["unknown step \"" + String(repeating: "a", count: 64) + "…\" (61440 characters) (steps are: a)"])) {
            Inputs.longStepReference($0, length: 60 << 10)
        },
        HostileCase("long-duration", "sizes", .refused(["metadata.timeout: must be at most 168h, got " + String(repeating: "9", count: 64) + "… (61441 characters)"])) {
            valid($0, "  timeout: " + String(repeating: "9", count: 60 << 10) + "h\n", nil, "Hostile fixture.")
        },
        HostileCase("nesting-300000-deep", "sizes", .refused(["6:9: nested more than 64 levels deep here (is a bracket left open?)"])) {
            Inputs.nestedLists($0, levels: 300_000)
        },
        HostileCase("nesting-65-deep-in-a-body", "sizes", .refused(["nested more than 64 levels deep here"])) {
            Inputs.nestedMappings($0, levels: 60)
        },
        HostileCase("nesting-63-deep-accepted", "sizes", .accepted(because: "64 levels is the limit; this body reaches 63")) {
            Inputs.nestedMappings($0, levels: 58)
        },
        HostileCase("past-the-node-limit", "sizes", .refused(["more than 100000 values by here; a scenario file holds a few hundred"])) {
            Inputs.manyValues($0, count: 100_000)
        },
        HostileCase("under-the-node-limit-accepted", "sizes", .accepted(because: "100,000 values is the limit; this file has fewer")) {
            Inputs.manyValues($0, count: 99_900)
        },
        HostileCase("twenty-thousand-unknown-keys", "sizes", .refused(["19950 more errors not shown (at most 50 a file); fix the ones above first"])) {
            Inputs.manyUnknownKeys($0, count: 20_000)
        },
        HostileCase("five-thousand-step-references-accepted", "sizes", .accepted(because: "references are resolved in linear time")) {
            Inputs.manyStepReferences($0, steps: 5_000, known: true)
        },
        HostileCase("five-thousand-unknown-step-references", "sizes",
                    .refused(["unknown step \"missing-0\" (steps are: step-0, step-1, step-2, step-3, step-4, step-5, step-6, step-7, step-8, step-9 and 4990 more)",
                              "4950 more errors not shown"])) {
            Inputs.manyStepReferences($0, steps: 5_000, known: false)
        },
        HostileCase("three-thousand-duplicate-steps", "sizes", .refused(["duplicate step name \"a\" (first used by steps[0])", "2950 more errors not shown"])) {
            valid($0, "", "steps:\n" + String(repeating: "  - name: a\n    action:\n      wait: 1s\n", count: 3_001), "Hostile fixture.")
        },
        HostileCase("alias-bomb-thirty-levels", "bombs", .refused(["YAML anchors and aliases are not allowed in a scenario file (found 30 anchors and 290 aliases"])) {
            Inputs.aliasBomb($0, levels: 30)
        },
        HostileCase("unclosed-bracket-in-a-large-file", "sizes", .refused(["YAML syntax error"])) {
            valid($0, "", "steps: [" + String(repeating: "a, ", count: 20_000), "Hostile fixture.")
        },
    ]

    // MARK: Special files, symbolic links, directories and names

    static let files: [HostileCase] = [
        HostileCase("fifo", "files", .scenarioDirectory, .refused(["fifo.yaml:1:1: is a FIFO (named pipe), not a regular file; a scenario file is a YAML file"])) { directory in
            guard mkfifo(directory + "/fifo.yaml", 0o600) == 0 else { throw POSIXError(.EIO) }
            return directory
        },
        HostileCase("dev-zero", "files", .scenarioFile, .refused(["1:1: is a character device, not a regular file"])) { _ in "/dev/zero" },
        HostileCase("link-to-dev-zero", "files", .scenarioDirectory, .refused(["zero.yaml:1:1: is a symbolic link to \"/dev/zero\", outside"])) { directory in
            try FileManager.default.createSymbolicLink(atPath: directory + "/zero.yaml", withDestinationPath: "/dev/zero")
            return directory
        },
        HostileCase("directory-named-yaml", "files", .scenarioDirectory, .refused(["dir.yaml:1:1: is a directory, not a regular file"])) { directory in
            try FileManager.default.createDirectory(atPath: directory + "/dir.yaml", withIntermediateDirectories: false)
            return directory
        },
        HostileCase("link-to-another-file", "files", .scenarioDirectory,
                    .refused(["secret.yaml:1:1: is a symbolic link to", "outside", "labrun reads only the scenario files in the directory itself"])) { directory in
            let outside = directory + "-outside"
            try FileManager.default.createDirectory(atPath: outside, withIntermediateDirectories: true)
            FileManager.default.createFile(atPath: outside + "/secret.txt", contents: Data("password: hunter2\n".utf8))
            try FileManager.default.createSymbolicLink(atPath: directory + "/secret.yaml", withDestinationPath: outside + "/secret.txt")
            return directory
        },
        HostileCase("link-to-etc-passwd", "files", .scenarioDirectory, .refused(["passwd.yaml:1:1: is a symbolic link to \"/etc/passwd\", outside"])) { directory in
            try FileManager.default.createSymbolicLink(atPath: directory + "/passwd.yaml", withDestinationPath: "/etc/passwd")
            return directory
        },
        HostileCase("link-inside-accepted", "files", .scenarioDirectory, .accepted(because: "a link to a file inside the scenario directory stays inside")) { directory in
            try FileManager.default.createDirectory(atPath: directory + "/real", withIntermediateDirectories: false)
            try Data(valid("inside", "", nil, "x").utf8).write(to: URL(fileURLWithPath: directory + "/real/inside.yaml"))
            try FileManager.default.createSymbolicLink(atPath: directory + "/inside.yaml", withDestinationPath: "real/inside.yaml")
            return directory
        },
        HostileCase("dangling-link", "files", .scenarioDirectory, .refused(["gone.yaml:1:1: is a symbolic link to nothing (No such file or directory)"])) { directory in
            try FileManager.default.createSymbolicLink(atPath: directory + "/gone.yaml", withDestinationPath: directory + "/nowhere.yaml")
            return directory
        },
        HostileCase("link-loop", "files", .scenarioDirectory, .refused(["loop.yaml:1:1: is a symbolic link to nothing (Too many levels of symbolic links)"])) { directory in
            try FileManager.default.createSymbolicLink(atPath: directory + "/loop.yaml", withDestinationPath: directory + "/loop.yaml")
            return directory
        },
        HostileCase("link-to-a-directory-outside", "files", .scenarioDirectory, .refused(["etc.yaml:1:1: is a symbolic link to \"/etc\", outside"])) { directory in
            try FileManager.default.createSymbolicLink(atPath: directory + "/etc.yaml", withDestinationPath: "/etc")
            return directory
        },
        HostileCase("socket", "files", .scenarioDirectory, .refused(["socket.yaml:1:1: is a socket, not a regular file"])) { directory in
            try bindSocket(at: directory + "/socket.yaml")
            return directory
        },
        HostileCase("duplicate-names", "files", .scenarioDirectory,
                    .refused(["twin.yml:4:9: metadata.name: the scenario name \"twin\" is already used by ", "twin.yaml; each scenario needs its own name"])) { directory in
            try Data(valid("twin", "", nil, "one").utf8).write(to: URL(fileURLWithPath: directory + "/twin.yaml"))
            try Data(valid("twin", "", nil, "two").utf8).write(to: URL(fileURLWithPath: directory + "/twin.yml"))
            return directory
        },
        HostileCase("hidden-files-skipped-accepted", "files", .scenarioDirectory, .accepted(because: "names starting with a dot are editors' files (.#x.yaml), skipped")) { directory in
            try Data(valid("shown", "", nil, "x").utf8).write(to: URL(fileURLWithPath: directory + "/shown.yaml"))
            try Data("{{{ not yaml".utf8).write(to: URL(fileURLWithPath: directory + "/.hidden.yaml"))
            try FileManager.default.createSymbolicLink(atPath: directory + "/.#shown.yaml", withDestinationPath: "root@host.1234:1700000000")
            return directory
        },
        HostileCase("escape-in-the-file-name", "files", .scenarioDirectory, .refused(["x\\u{1B}[2J.yaml:4:9: metadata.name: name \"x\" does not match the file name \"x\\u{1B}[2J.yaml\""])) { directory in
            try Data(valid("x", "", nil, "x").utf8).write(to: URL(fileURLWithPath: directory + "/x\u{1B}[2J.yaml"))
            return directory
        },
        HostileCase("missing-directory", "files", .scenarioDirectory, .refused(["1:1: the scenario directory does not exist"])) { directory in
            directory + "/missing"
        },
        HostileCase("directory-is-a-file", "files", .scenarioDirectory, .refused(["1:1: the scenario directory is not a directory"])) { directory in
            FileManager.default.createFile(atPath: directory + "/plain", contents: Data())
            return directory + "/plain"
        },
        HostileCase("zero-bytes", "files", .refused(["1:1: the file is empty; a scenario starts with apiVersion: labrun.dev/v1alpha1"])) { _ in [] },
    ]

    // MARK: Stack files

    static let stacks: [HostileCase] = [
        HostileCase("stack-fifo", "files", .stackFile, .refused(["labrun.yaml:1:1: is a FIFO (named pipe), not a regular file; a stack file is a YAML file"])) { directory in
            guard mkfifo(directory + "/labrun.yaml", 0o600) == 0 else { throw POSIXError(.EIO) }
            return directory + "/labrun.yaml"
        },
        HostileCase("stack-dev-zero", "files", .stackFile, .refused(["1:1: is a character device, not a regular file"])) { _ in "/dev/zero" },
        .stack("stack-alias-bomb", "bombs", .refused(["YAML anchors and aliases are not allowed in a stack file"])) {
            Array(Inputs.stack(extra: "x: &a [lol, lol]\ny: [*a, *a, *a]\n").utf8)
        },
        .stack("stack-nesting", "sizes", .refused(["nested more than 64 levels deep here"])) {
            Array(Inputs.stack(extra: "x: " + String(repeating: "[", count: 100_000) + "\n").utf8)
        },
        .stack("stack-long-value", "sizes", .refused(["a value of 70000 bytes; values are at most 64 KiB"])) {
            Array(Inputs.stack(description: String(repeating: "d", count: 70_000)).utf8)
        },
        .stack("stack-sexagesimal-port", "numbers", .refused(["workloads.web.service.port: integer 1:0:0:0:0:0:0:0:0:0:0:0 is out of range"])) {
            Array(Inputs.stack().replacingOccurrences(of: "port: 80", with: "port: 1:0:0:0:0:0:0:0:0:0:0:0").utf8)
        },
        .stack("stack-nan-port", "numbers", .refused(["workloads.web.service.port: expected an integer, got number .nan"])) {
            Array(Inputs.stack().replacingOccurrences(of: "port: 80", with: "port: .nan").utf8)
        },
        .stack("stack-escape-in-description", "injections", .refused(["metadata.description: contains the control character U+001B"])) {
            Array(Inputs.stack(description: "\"\\e[2J all passed\"").utf8)
        },
        .stack("stack-utf16", "encodings", .refused(["the file is UTF-16 text"])) {
            [0xFF, 0xFE] + Inputs.stack().utf16.flatMap { [UInt8($0 & 0xFF), UInt8($0 >> 8)] }
        },
        .stack("stack-bom-accepted", "encodings", .accepted(because: "a UTF-8 byte-order mark is dropped")) {
            [0xEF, 0xBB, 0xBF] + Array(Inputs.stack().utf8)
        },
        .stack("stack-many-errors", "sizes", .refused(["more errors not shown (at most 50 a file)"])) {
            Array(Inputs.stack(extra: (0..<5_000).map { "unknown\($0): 1\n" }.joined()).utf8)
        },
        .stack("stack-over-one-mebibyte", "sizes", .refused(["1:1: is 2097152 bytes; a stack file is at most 1 MiB of YAML"])) {
            Array(Inputs.padded(Inputs.stack(), to: 2 << 20).utf8)
        },
    ]

    /// A listening Unix socket at `path` (closed at once; the file stays).
    static func bindSocket(at path: String) throws {
        let fd = socket(AF_UNIX, Platform.streamSocket, 0)
        guard fd >= 0 else { throw POSIXError(.EIO) }
        defer { close(fd) }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let bytes = Array(path.utf8)
        guard bytes.count < MemoryLayout.size(ofValue: address.sun_path) else { throw POSIXError(.ENAMETOOLONG) }
        withUnsafeMutableBytes(of: &address.sun_path) { buffer in
            for (index, byte) in bytes.enumerated() { buffer[index] = byte }
        }
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        guard bound == 0 else { throw POSIXError(.EIO) }
    }
}

extension Array where Element == UInt8 {
    /// The bytes with the first occurrence of `pattern` replaced.
    func replacing(_ pattern: [UInt8], with replacement: [UInt8]) -> [UInt8] {
        guard let start = indices.first(where: { self[$0...].starts(with: pattern) }) else { return self }
        return Array(self[..<start]) + replacement + Array(self[(start + pattern.count)...])
    }
}
