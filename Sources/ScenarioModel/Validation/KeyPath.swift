/// Where a value sits in a scenario file, printed as `steps[2].action.deletePod.count`.
struct KeyPath: Sendable, Hashable, CustomStringConvertible {
    private(set) var text: String

    static let root = KeyPath(text: "")

    /// The path of a member of this mapping.
    func key(_ name: String) -> KeyPath {
        let plain = !name.isEmpty && name.count <= 64
            && name.allSatisfy { $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" || $0 == "/" }
        let component = plain ? name : ScenarioError.quote(name)
        return KeyPath(text: text.isEmpty ? component : "\(text).\(component)")
    }

    /// The path of an element of this list.
    func index(_ position: Int) -> KeyPath { KeyPath(text: "\(text)[\(position)]") }

    var description: String { text }
}
