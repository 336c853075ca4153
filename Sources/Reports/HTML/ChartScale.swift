import Foundation

/// Axis arithmetic for the timeline chart: nice tick steps, linear and logarithmic scales.
struct ChartScale: Sendable {
    enum Kind: Sendable { case linear, log }

    let kind: Kind
    /// The domain (in data units; milliseconds for latency).
    let low: Double
    let high: Double
    /// Pixel range, `top` (the high value) to `bottom` (the low value).
    let top: Double
    let bottom: Double

    /// A linear scale from zero to a nice ceiling of `maximum`.
    static func linear(maximum: Double, top: Double, bottom: Double) -> ChartScale {
        ChartScale(kind: .linear, low: 0, high: niceCeiling(Swift.max(maximum, 1)), top: top, bottom: bottom)
    }

    /// A log scale from a 1-2-5 step at or below the smallest value to one at or above the largest;
    /// linear when the values span less than `ratio`.
    static func latency(values: [Double], top: Double, bottom: Double, ratio: Double = 50) -> ChartScale {
        let positive = values.filter { $0 > 0 && $0.isFinite }
        guard let lo = positive.min(), let hi = positive.max(), hi / lo >= ratio else {
            return linear(maximum: positive.max() ?? 1, top: top, bottom: bottom)
        }
        return ChartScale(kind: .log, low: niceFloor(lo), high: niceCeiling(hi), top: top, bottom: bottom)
    }

    /// The pixel position of a value (clamped to the axis).
    func y(_ value: Double) -> Double {
        let fraction: Double
        switch kind {
        case .linear:
            fraction = high > low ? (value - low) / (high - low) : 0
        case .log:
            let v = Swift.max(value, low)
            fraction = (log10(v) - log10(low)) / (log10(high) - log10(low))
        }
        return bottom - Swift.min(Swift.max(fraction, 0), 1) * (bottom - top)
    }

    /// The values to put ticks at: the bottom, the middle and the top for linear axes; 1-2-5 steps per decade for log.
    var ticks: [Double] {
        switch kind {
        case .linear:
            return [low, (low + high) / 2, high]
        case .log:
            // 1-2-5 steps when they fit, else whole decades; always the two ends.
            var steps: [Double] = []
            var decade = pow(10, floor(log10(low)))
            while decade <= high * 1.0001 {
                steps += [decade, decade * 2, decade * 5]
                decade *= 10
            }
            let inside = steps.filter { $0 >= low * 0.9999 && $0 <= high * 1.0001 }
            if inside.count <= 7 { return inside }
            let decades = inside.filter { abs(log10($0) - log10($0).rounded()) < 1e-9 }
            var out = decades
            if let first = decades.first, low < first * 0.9999, (first / low) >= 1.9 { out.insert(low, at: 0) }
            if let last = decades.last, high > last * 1.0001, (high / last) >= 1.9 { out.append(high) }
            return out
        }
    }

    /// The largest of 1, 2, 5 × 10ⁿ at or below `value`.
    static func niceFloor(_ value: Double) -> Double {
        guard value > 0, value.isFinite else { return 1 }
        let magnitude = pow(10, floor(log10(value)))
        for m in [5.0, 2.0, 1.0] where m * magnitude <= value * 1.0001 { return m * magnitude }
        return magnitude
    }

    /// The smallest of 1, 2, 2.5, 5 × 10ⁿ at or above `value`.
    static func niceCeiling(_ value: Double) -> Double {
        guard value > 0, value.isFinite else { return 1 }
        let magnitude = pow(10, floor(log10(value)))
        for m in [1.0, 2.0, 2.5, 5.0, 10.0] where m * magnitude >= value * 0.9999 { return m * magnitude }
        return 10 * magnitude
    }

    /// A tick step in seconds for a time axis of `span` seconds: at most about `maxTicks` ticks.
    static func timeStep(span: Double, maxTicks: Int = 12) -> Double {
        let candidates: [Double] = [1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200]
        for step in candidates where span / step <= Double(maxTicks) { return step }
        return (span / Double(maxTicks) / 3600).rounded(.up) * 3600
    }

    /// A tick label: `0`, `250`, `2.5`, `1000`.
    static func label(_ value: Double) -> String {
        if value == value.rounded() { return String(Int(value)) }
        return String(format: "%g", value)
    }
}
