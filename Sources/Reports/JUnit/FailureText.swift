import ScenarioModel

/// What a CI user reads in a failed JUnit test case, so the job's page alone says what went wrong:
/// the cause (the check's own message and detail), the numbers it measured, the faults the run
/// injected and when they landed (the likely trigger), labrun's diagnosis when it has one, and
/// where the collected pod logs and events are.
struct FailureText {
    /// `+42.1s restart-postgres — restartPostgres: postgres-0 replaced`, one per fault that landed.
    let faults: [String]
    /// labrun's own diagnosis (`likely cause: postgres has no persistent volume …`).
    let diagnosis: [String]
    /// The collected files, relative to the report directory.
    let logs: [String]

    init(_ result: ScenarioResult) {
        faults = result.timeline.filter { $0.kind == .faultLanded }.sorted { $0.at < $1.at }.map { event in
            "\(ReportFormat.offset(event.at)) step \(event.subject)" + (event.detail.isEmpty ? "" : " — " + event.detail)
        }
        diagnosis = result.timeline.filter { $0.kind == .note && $0.subject == "diagnosis" }.map(\.detail)
        logs = result.artifacts
    }

    /// The body of a failed check: cause, detail, numbers, then the run's context.
    func check(_ assertion: AssertionResult) -> String {
        var lines = ["cause: " + assertion.message] + assertion.details.filter { !diagnosis.contains($0) }
        if !assertion.measured.isEmpty {
            lines.append("numbers: " + assertion.measured.sorted { $0.key < $1.key }
                .map { "\($0.key)=\(ReportFormat.number($0.value))" }.joined(separator: ", "))
        }
        return (lines + context).joined(separator: "\n")
    }

    /// The run's context under any failure: the faults, the diagnosis, the logs.
    var context: [String] {
        var lines: [String] = []
        if !faults.isEmpty { lines.append("faults injected (likely trigger): " + faults.joined(separator: "; ")) }
        lines += diagnosis
        if !logs.isEmpty { lines.append("logs (relative to the report directory): " + logs.joined(separator: ", ")) }
        return lines
    }

    /// The one-line message of a failed scenario: its first failure named, with how many more there are.
    static func headline(_ failures: [String], fallback: String) -> String {
        guard let first = failures.first else { return fallback }
        return failures.count == 1 ? first : "\(first) (and \(failures.count - 1) more)"
    }
}
