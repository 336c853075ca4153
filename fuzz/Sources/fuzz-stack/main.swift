// Fuzzes the stack-file parser: any bytes give a stack or located, printable errors, never a crash or a hang.
import FuzzSupport
import ScenarioModel

/// One input. Named for libFuzzer too, whose own `main` (pulled in by some linkers) calls it.
@_cdecl("LLVMFuzzerTestOneInput")
func fuzzOne(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let result = StackLoader().parse(bytes: input(data, size), file: "labrun.yaml", absolutePath: "/fuzz/labrun.yaml")
    if case .failure(let error) = result { checkErrors(error) }
    return 0
}

runFuzzer(fuzzOne)
