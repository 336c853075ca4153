/// Chooses the operation of each request so that the mix follows its weights exactly and reproducibly.
///
/// Uses smooth weighted round-robin (as nginx balances upstreams): over any run of `sum(weights)`
/// requests each operation appears exactly `weight` times, interleaved rather than in blocks, and the
/// sequence is the same on every run (no random numbers, so failures can be replayed).
public struct OperationPicker: Sendable {
    private let weighted: [(operation: LoadOperation, weight: Int)]
    private var current: [Int]
    private let total: Int

    /// `mix` must have at least one positive weight (the validator guarantees it).
    public init(mix: [LoadOperation: Int]) {
        weighted = mix.keys.sorted().compactMap { op in
            (mix[op] ?? 0) > 0 ? (op, mix[op] ?? 0) : nil
        }
        current = Array(repeating: 0, count: weighted.count)
        total = weighted.reduce(0) { $0 + $1.weight }
    }

    /// The next operation; `CapturedValues.resolve` may send another in its place while a value it needs is missing.
    public mutating func next() -> LoadOperation {
        guard !weighted.isEmpty else { return LoadOperation("") }
        var best = 0
        for index in weighted.indices {
            current[index] += weighted[index].weight
            if current[index] > current[best] { best = index }
        }
        current[best] -= total
        return weighted[best].operation
    }
}
