import CLibFuzzer
import Foundation

/// Runs libFuzzer over `body` with the process's arguments (`-max_total_time=60 corpus/`, …) and exits.
///
/// `body` gets each input libFuzzer makes; a crash, a trap, an AddressSanitizer report or a
/// `check` that fails is a finding, which libFuzzer saves as `crash-<sha1>` and stops on.
public func runFuzzer(_ body: @escaping @convention(c) (UnsafePointer<UInt8>?, Int) -> CInt) -> Never {
    var argc = CommandLine.argc
    var argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? = CommandLine.unsafeArgv
    exit(LLVMFuzzerRunDriver(&argc, &argv, body))
}

/// The input as bytes (libFuzzer passes a null pointer for the empty input).
public func input(_ data: UnsafePointer<UInt8>?, _ size: Int) -> [UInt8] {
    guard let data, size > 0 else { return [] }
    return Array(UnsafeBufferPointer(start: data, count: size))
}

/// The repository root, from this file's location (fuzz/Sources/FuzzSupport/Fuzzer.swift).
public let repositoryRoot = URL(fileURLWithPath: #filePath)
    .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path

/// Stops the run as a finding when `condition` does not hold: an invariant of every answer a parser gives.
public func check(_ condition: Bool, _ message: @autoclosure () -> String) {
    if !condition {
        FileHandle.standardError.write(Data("invariant broken: \(message())\n".utf8))
        abort()
    }
}

/// Whether a message is fit for a terminal: no control character but the line feeds between errors.
public func isPrintable(_ text: String) -> Bool {
    !text.unicodeScalars.contains { $0.properties.generalCategory == .control && $0 != "\n" }
}
