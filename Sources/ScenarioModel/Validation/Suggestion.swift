/// "Did you mean …?" for misspelt keys and values.
enum Suggestion {
    /// The closest candidate within a small edit distance, if any. Candidates whose length differs by
    /// more than the distance allowed are skipped unmeasured (the distance is at least that difference),
    /// so that a long token costs no more than a short one.
    static func closest(to word: String, in candidates: [String]) -> String? {
        let length = word.count
        guard length <= maxWordLength else { return nil }
        let lowered = word.lowercased()
        var best: (String, Int)?
        for candidate in candidates {
            let limit = max(1, min(3, candidate.count / 3))
            guard abs(candidate.count - length) <= limit else { continue }
            let distance = editDistance(lowered, candidate.lowercased())
            guard distance <= limit else { continue }
            if best == nil || distance < best?.1 ?? Int.max { best = (candidate, distance) }
        }
        return best?.0
    }

    /// Words longer than this get no suggestion: no key or name of the formats is half as long.
    static let maxWordLength = 128

    /// `; did you mean "x"?` or an empty string.
    static func hint(for word: String, in candidates: [String]) -> String {
        closest(to: word, in: candidates).map { "; did you mean \"\($0)\"?" } ?? ""
    }

    /// `unknown key "x"; did you mean "y"?`, or with no close match, the list of what is allowed.
    static func unknown(_ noun: String, _ word: String, _ candidates: [String], extra: [String] = []) -> String {
        if let match = closest(to: word, in: candidates + extra) {
            return "unknown \(noun) \(YAMLReader.quote(word)); did you mean \"\(match)\"?"
        }
        return "unknown \(noun) \(YAMLReader.quote(word)) (expected one of: \(candidates.joined(separator: ", ")))"
    }

    /// Levenshtein distance with adjacent transpositions counted as one edit.
    static func editDistance(_ a: String, _ b: String) -> Int {
        let a = Array(a), b = Array(b)
        if a.isEmpty { return b.count }
        if b.isEmpty { return a.count }
        var previous2 = [Int](repeating: 0, count: b.count + 1)
        var previous = Array(0...b.count)
        var current = [Int](repeating: 0, count: b.count + 1)
        for i in 1...a.count {
            current[0] = i
            for j in 1...b.count {
                let cost = a[i - 1] == b[j - 1] ? 0 : 1
                current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
                if i > 1, j > 1, a[i - 1] == b[j - 2], a[i - 2] == b[j - 1] {
                    current[j] = min(current[j], previous2[j - 2] + 1)
                }
            }
            previous2 = previous
            previous = current
        }
        return previous[b.count]
    }
}
