/// The three parts of the todo stack, each with its own image.
public enum StackComponent: String, Sendable, CaseIterable, Codable, Comparable {
    case backend, frontend, postgres

    /// `labrun/todo-backend` and so on.
    public var repository: String { "labrun/todo-\(rawValue)" }

    public static func < (a: StackComponent, b: StackComponent) -> Bool {
        allCases.firstIndex(of: a) ?? 0 < allCases.firstIndex(of: b) ?? 0
    }
}
