/// Finds every occurrence of a fixed set of byte strings in one pass (Aho–Corasick), so masking the
/// registered secrets costs time linear in the text whatever their number and shape.
///
/// Written by hand because no library in the package set does multi-pattern matching; a loop of
/// `replacingOccurrences` costs one pass per secret and, on Linux, a search that can be quadratic
/// on repetitive text.
struct SecretMatcher: Sendable {
    /// Per node: its outgoing edges (byte → node), sorted by byte.
    private var edges: [[(byte: UInt8, node: Int32)]] = [[]]
    /// Per node: the node of its longest proper suffix that is also a prefix of some pattern.
    private var fail: [Int32] = [0]
    /// Per node: the length of the longest pattern that ends here (itself or through `fail`), 0 for none.
    private var longest: [Int32] = [0]
    /// The root's edges as a table: most bytes of ordinary text leave the root at once.
    private var rootTable = [Int32](repeating: 0, count: 256)

    var isEmpty: Bool { edges.count == 1 }

    init(_ patterns: some Sequence<[UInt8]>) {
        for pattern in patterns where !pattern.isEmpty { insert(pattern) }
        link()
    }

    private mutating func insert(_ pattern: [UInt8]) {
        var node = 0
        for byte in pattern {
            if let next = child(node, byte) {
                node = next
            } else {
                edges.append([])
                fail.append(0)
                longest.append(0)
                let created = Int32(edges.count - 1)
                let at = edges[node].firstIndex { $0.byte > byte } ?? edges[node].count
                edges[node].insert((byte, created), at: at)
                node = Int(created)
            }
        }
        longest[node] = max(longest[node], Int32(pattern.count))
    }

    private func child(_ node: Int, _ byte: UInt8) -> Int? {
        for edge in edges[node] where edge.byte == byte { return Int(edge.node) }
        return nil
    }

    /// Breadth-first: failure links, and each node's longest match through its failure chain.
    private mutating func link() {
        for edge in edges[0] { rootTable[Int(edge.byte)] = edge.node }
        var queue = [0]
        var head = 0
        while head < queue.count {
            let node = queue[head]
            head += 1
            for edge in edges[node] {
                let next = Int(edge.node)
                var target = 0
                if node != 0 {
                    var back = Int(fail[node])
                    while back != 0, child(back, edge.byte) == nil { back = Int(fail[back]) }
                    target = back == 0 ? Int(rootTable[Int(edge.byte)]) : child(back, edge.byte) ?? 0
                }
                fail[next] = Int32(target)
                longest[next] = max(longest[next], longest[target])
                queue.append(next)
            }
        }
    }

    private func step(_ node: Int, _ byte: UInt8, steps: inout Int) -> Int {
        var node = node
        while true {
            steps &+= 1
            if node == 0 { return Int(rootTable[Int(byte)]) }
            if let next = child(node, byte) { return next }
            node = Int(fail[node])
        }
    }

    /// The ranges of `text` covered by some pattern, merged where they overlap, in order.
    /// `steps` counts the automaton's moves (linear in `text.count`; the unit tests check it).
    func ranges(in text: [UInt8], steps: inout Int) -> [Range<Int>] {
        guard !isEmpty else { return [] }
        var found: [Range<Int>] = []
        var node = 0
        for index in text.indices {
            node = step(node, text[index], steps: &steps)
            let length = Int(longest[node])
            guard length > 0 else { continue }
            var range = (index + 1 - length)..<(index + 1)
            // A later match ends later: it swallows every earlier range it reaches into.
            while let last = found.last, last.upperBound > range.lowerBound {
                steps &+= 1
                range = min(last.lowerBound, range.lowerBound)..<range.upperBound
                found.removeLast()
            }
            found.append(range)
        }
        return found
    }
}
