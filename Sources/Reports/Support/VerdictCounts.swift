import ScenarioModel

/// Counts of verdicts over a list of checks.
struct VerdictCounts: Sendable, Equatable {
    var passed = 0, failed = 0, errors = 0, skipped = 0

    init() {}

    init<S: Sequence>(_ verdicts: S) where S.Element == Verdict {
        for verdict in verdicts {
            switch verdict {
            case .passed: passed += 1
            case .failed, .faultNotLanded: failed += 1
            case .error: errors += 1
            case .skipped: skipped += 1
            }
        }
    }

    var total: Int { passed + failed + errors + skipped }
}
