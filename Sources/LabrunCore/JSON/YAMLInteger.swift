/// YAML 1.1's base-60 integers (`1:30` is 90, `190:20:30` is 685,230), converted with overflow checks.
///
/// Yams converts them with plain `*` and `+`, which trap past `Int`'s range: the scalar
/// `1:0:0:0:0:0:0:0:0:0:0:0` stopped labrun in a scenario, a stack file and a kubeconfig alike (found
/// by the kubeconfig fuzzer, `scripts/fuzz.sh`). Every reader of YAML integers converts those here.
public enum YAMLInteger {
    /// The value of `text` as a base-60 integer (digits in groups joined by `:`, an optional sign,
    /// `_` ignored), or nil when it is not one or does not fit an `Int`.
    public static func sexagesimal(_ text: String) -> Int? {
        var digits = Substring(text.replacingOccurrences(of: "_", with: ""))
        var sign = 1
        if digits.hasPrefix("-") { sign = -1; digits = digits.dropFirst() } else if digits.hasPrefix("+") { digits = digits.dropFirst() }
        guard digits.contains(":") else { return nil }
        var total = 0
        for part in digits.split(separator: ":", omittingEmptySubsequences: false) {
            guard !part.isEmpty, part.allSatisfy({ $0.isASCII && $0.isNumber }), let digit = Int(part) else { return nil }
            let (shifted, overflowed) = total.multipliedReportingOverflow(by: 60)
            let (sum, overflowedAgain) = shifted.addingReportingOverflow(digit)
            guard !overflowed, !overflowedAgain else { return nil }
            total = sum
        }
        return sign * total
    }
}
