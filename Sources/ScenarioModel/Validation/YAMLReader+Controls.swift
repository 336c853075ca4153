import Foundation
import Yams

/// Control characters (ESC, BEL, NUL, CR, …) in the values of a scenario or stack file: refused, so
/// that no name, description or header can clear a terminal, forge a line of output or inject a header.
extension YAMLReader {
    /// Records an error for every key and value under `document` that holds a control character, and
    /// returns their places (for `errorsInFileOrder(reportedFirst:)`). Block scalars (`|`, `>`) may hold
    /// line feeds and tabs, for multi-line text such as a SQL query; so may the values under a
    /// `freeForm` key (request bodies and expected JSON, where a test may well send a tab).
    func refuseControlCharacters(in document: Located, freeForm: Set<String> = []) -> Set<String> {
        var places: Set<String> = []
        func visit(_ value: Located, key: Bool, free: Bool) {
            switch value.node {
            case .scalar(let scalar):
                let block = scalar.style == .literal || scalar.style == .folded
                let lenient = block || (free && !key)
                let control = scalar.string.unicodeScalars.first { character in
                    character.properties.generalCategory == .control
                        && !(lenient && (character == "\n" || character == "\t" || (free && character == "\r")))
                }
                if let control {
                    let (line, column) = (value.node.mark?.line ?? 1, value.node.mark?.column ?? 1)
                    places.insert(Self.place(line: line, column: column, value.path.description))
                    error("contains the control character \(String(format: "U+%04X", control.value)); remove it "
                          + "(only | and > blocks may span lines)", at: value.node, value.path)
                }
            case .sequence(let sequence):
                for (index, item) in sequence.enumerated() {
                    visit(Located(node: item, path: value.path.index(index)), key: false, free: free)
                }
            case .mapping(let mapping):
                for (keyNode, item) in mapping {
                    let name = keyNode.scalar?.string
                    let path = name.map { value.path.key($0) } ?? value.path
                    visit(Located(node: keyNode, path: path), key: true, free: free)
                    visit(Located(node: item, path: path), key: false, free: free || name.map(freeForm.contains) == true)
                }
            case .alias: break
            }
        }
        visit(document, key: false, free: false)
        return places
    }

    /// `errorsInFileOrder`, where a place that holds a control character keeps only its first error
    /// (the control character): a bad byte is not also reported as a bad name or header.
    func errorsInFileOrder(reportedFirst places: Set<String>) -> [ScenarioError] {
        var reported: Set<String> = []
        return errorsInFileOrder.filter { error in
            let place = Self.place(line: error.line, column: error.column, error.path)
            return !places.contains(place) || reported.insert(place).inserted
        }
    }

    private static func place(line: Int, column: Int, _ path: String) -> String { "\(line):\(column):\(ScenarioError.printable(path))" }
}
