import FuzzSupport
import ScenarioModel
import StackModel

/// The todo stack, whose names the fuzzed scenarios may use (as `labrun` validates them).
let todoStack: Stack = {
    do throws(ScenarioValidationError) {
        return try StackLoader().load(file: repositoryRoot + "/stack/labrun.yaml")
    } catch {
        fatalError("stack/labrun.yaml does not parse: \(error)")
    }
}()

/// The stack's `traffic.auth.jwt`, held here as well. Swift keeps the case of a multi-payload enum
/// (`TrafficAuth`) in spare bits of its payload's pointers, so LeakSanitizer, which scans memory for
/// plain pointers, does not recognise the masked reference in `todoStack` and reported the users'
/// array, alive for the whole process, as leaked. An Optional stores its payload unmasked.
let todoStackJWT: JWTAuth? = {
    if case .jwt(let jwt)? = todoStack.traffic.auth { return jwt }
    return nil
}()
