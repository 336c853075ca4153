import ScenarioModel

/// What every refusal of a scenario or stack file must be: at least one error, each located in the
/// file (line and column from 1), printable (no control character reaches a terminal) and short.
public func checkErrors(_ error: ScenarioValidationError) {
    check(!error.errors.isEmpty, "a refusal without an error")
    for item in error.errors {
        check(item.line >= 1 && item.column >= 1, "error at \(item.line):\(item.column): \(item.message)")
        check(isPrintable(item.description), "a control character in \(item.description.debugDescription)")
        check(item.description.utf8.count <= 4096, "an error of \(item.description.utf8.count) bytes")
    }
}
