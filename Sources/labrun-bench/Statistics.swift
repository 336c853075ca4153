import Foundation

/// Latency samples (seconds) and their summary.
struct Samples {
    var values: [Double] = []

    mutating func add(_ value: Double) { values.append(value) }

    /// The `q`-quantile (0…1) by nearest rank.
    func quantile(_ q: Double) -> Double {
        guard !values.isEmpty else { return .nan }
        let sorted = values.sorted()
        let rank = Int((q * Double(sorted.count)).rounded(.up)) - 1
        return sorted[min(max(rank, 0), sorted.count - 1)]
    }

    var median: Double { quantile(0.5) }
    var p90: Double { quantile(0.9) }
    var count: Int { values.count }
}

/// `0.84ms`, `12.3ms`, `1.20s`.
func milliseconds(_ seconds: Double) -> String {
    if seconds.isNaN { return "-" }
    if seconds >= 1 { return String(format: "%.2fs", seconds) }
    if seconds >= 0.01 { return String(format: "%.1fms", seconds * 1000) }
    return String(format: "%.2fms", seconds * 1000)
}

/// Pads `text` to `width` characters (left-aligned) or right-aligns when `right`.
func pad(_ text: String, _ width: Int, right: Bool = false) -> String {
    let space = String(repeating: " ", count: max(0, width - text.count))
    return right ? space + text : text + space
}
