// Fuzzes the scenario parser: any bytes give a scenario or located, printable errors, never a crash or a hang.
import FuzzSupport
import ScenarioModel

/// One input. Named for libFuzzer too, whose own `main` (pulled in by some linkers) calls it.
@_cdecl("LLVMFuzzerTestOneInput")
func fuzzOne(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let result = ScenarioLoader(stack: todoStack).parse(bytes: input(data, size), file: "fuzz.yaml", expectedName: nil)
    if case .failure(let error) = result { checkErrors(error) }
    return 0
}

_ = (todoStack, todoStackJWT)
runFuzzer(fuzzOne)
