// Fuzzes the kubeconfig loader's parser: any bytes give a kubeconfig or an error, never a crash or a hang.
import FuzzSupport
import KubernetesClient
import LabrunCore

/// One input. Named for libFuzzer too, whose own `main` (pulled in by some linkers) calls it.
@_cdecl("LLVMFuzzerTestOneInput")
func fuzzOne(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    guard let text = String(validating: input(data, size), as: UTF8.self) else { return 0 }
    // The loader registers tokens with the process-wide redactor; inputs are unrelated, so each starts clean
    // (otherwise the secrets of every earlier input pile up for the whole run).
    defer { Redactor.shared.removeAll() }
    if let config = try? Kubeconfig.parse(text, source: "fuzz-kubeconfig") {
        _ = config.contexts.count
    }
    return 0
}

runFuzzer(fuzzOne)
