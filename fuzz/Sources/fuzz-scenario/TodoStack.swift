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
