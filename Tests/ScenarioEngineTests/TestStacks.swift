import Foundation
import StackModel
@testable import ScenarioEngine
@testable import ScenarioModel

/// The stacks the tests validate and run scenarios against: the todo stack's own stack file.
enum TestStacks {
    /// `stack/labrun.yaml`, parsed once.
    static let todo: Stack = {
        do throws(ScenarioValidationError) {
            return try StackLoader().load(file: TestPaths.repositoryRoot + "/stack/labrun.yaml")
        } catch {
            fatalError("stack/labrun.yaml does not parse: \(error)")
        }
    }()
}

/// The todo stack's operations, named as its stack file names them (test shorthand only: labrun
/// itself knows no operation names).
extension LoadOperation {
    static let list: LoadOperation = "list"
    static let create: LoadOperation = "create"
    static let get: LoadOperation = "get"
    static let complete: LoadOperation = "complete"
}
