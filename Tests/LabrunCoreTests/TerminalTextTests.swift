import Foundation
import Testing
import LabrunCore

/// Untrusted text reaches a terminal only as visible characters.
@Suite struct TerminalTextTests {
    @Test(arguments: [
        ("\u{1B}[2J\u{1B}[Hall scenarios passed", "\\u{1B}[2J\\u{1B}[Hall scenarios passed"),
        ("line\rOVERWRITE", "line\\u{0D}OVERWRITE"),
        ("nul\u{0}bell\u{7}del\u{7F}", "nul\\u{00}bell\\u{07}del\\u{7F}"),
        ("c1 csi \u{9B}31m", "c1 csi \\u{9B}31m"),
        ("bidi \u{202E}txt.exe\u{2066}", "bidi \\u{202E}txt.exe\\u{2066}"),
        ("keeps\nnew lines\tand tabs, ünïcode and ✓", "keeps\nnew lines\tand tabs, ünïcode and ✓"),
        ("osc \u{1B}]0;title\u{7}", "osc \\u{1B}]0;title\\u{07}"),
    ])
    func escapesWhatATerminalActsOn(input: String, expected: String) {
        #expect(TerminalText.sanitize(input) == expected)
        #expect(TerminalText.sanitize(expected) == expected, "escaping twice changes nothing")
    }

    @Test func quotedValuesStayOnOneLine() {
        #expect(TerminalText.quoted("a\nb\tc\u{1B}") == "a\\nb\\tc\\u{1B}")
    }

    @Test func theConsoleNeverWritesAnEscapeItDidNotMake() async throws {
        let lines = LineBox()
        let console = Console(level: .verbose, environment: ["CI": "1"], sink: { line, _ in lines.append(line) })
        console.info("scenario \u{1B}[2Jevil")
        console.warn("file \u{1B}]0;pwned\u{7}.yaml")
        console.debug("pod log \u{9B}1m")
        console.result("name\rfake ✓ passed")
        try await console.step("deploy \u{1B}[31mred") {}
        console.error(LabrunError(id: "X", message: "server said \u{1B}[8mhidden", advice: "try \u{202E}this"))
        let text = lines.all.joined()
        #expect(!text.unicodeScalars.contains { TerminalText.needsEscape($0) }, "\(text.debugDescription)")
        #expect(text.contains("scenario \\u{1B}[2Jevil"))
        #expect(text.contains("error: server said \\u{1B}[8mhidden [X]"))
        #expect(text.contains("→ try \\u{202E}this"))
    }

    @Test func errorsCarryNoControlCharacters() {
        let error = LabrunError(id: "X", message: "file \u{1B}[2J.yaml is bad", advice: "rename \u{7}it", debugDetail: "raw")
        #expect(!error.description.unicodeScalars.contains { TerminalText.needsEscape($0) })
        #expect(error.message == "file \\u{1B}[2J.yaml is bad")
    }
}

/// Lines a console wrote, collected from any thread.
final class LineBox: @unchecked Sendable {
    private let lock = NSLock()
    private var lines: [String] = []
    func append(_ line: String) { lock.withLock { lines.append(line) } }
    var all: [String] { lock.withLock { lines } }
}
