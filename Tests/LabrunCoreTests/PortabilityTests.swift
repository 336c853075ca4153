import Foundation
import LabrunCore
import Testing

/// labrun builds on Linux and macOS: what differs is in `Sources/LabrunCore/Platform/`, and nowhere else.
@Suite struct PortabilityTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().path
    /// Spellings that only compile or only work on Linux.
    static let linuxOnly = ["Glibc", "/proc/", "SOCK_STREAM", "/proc\""]

    @Test func noLinuxOnlyCallOutsideThePlatformFolder() throws {
        var offenders: [String] = []
        for folder in ["Sources", "Tests"] {
            let base = Self.root + "/" + folder
            guard let walker = FileManager.default.enumerator(atPath: base) else { continue }
            while let entry = walker.nextObject() as? String {
                guard entry.hasSuffix(".swift"), !entry.hasPrefix("LabrunCore/Platform/"), entry != "LabrunCoreTests/PortabilityTests.swift"
                else { continue }
                let text = try String(contentsOfFile: base + "/" + entry, encoding: .utf8)
                for (number, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated()
                where Self.linuxOnly.contains(where: line.contains) {
                    offenders.append("\(folder)/\(entry):\(number + 1): \(line.trimmingCharacters(in: .whitespaces))")
                }
            }
        }
        #expect(offenders.isEmpty, "Linux-only calls belong in Sources/LabrunCore/Platform/:\n\(offenders.joined(separator: "\n"))")
    }

    @Test func thisProcessIsAliveAndItsStartTimeIsStable() {
        let facts = Platform.process(getpid())
        #expect(facts?.zombie == false)
        #expect(facts?.startTime.isEmpty == false)
        #expect(Platform.process(getpid())?.startTime == facts?.startTime)
        #expect(Platform.process(-1) == nil)
        #expect(Platform.commandLine(getpid())?.isEmpty == false)
    }

    @Test func aStreamSocketOpens() {
        let fd = socket(AF_INET, Platform.streamSocket, 0)
        #expect(fd >= 0)
        if fd >= 0 { close(fd) }
        #expect((Platform.residentMemory(peak: true) ?? 0) > 0)
    }
}
