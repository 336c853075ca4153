import LabrunCore

/// The run history as the HTML report shows it: the records read after this run's were appended,
/// or why they could not be read (the report still renders; the section says what went wrong).
public struct ReportHistory: Sendable, Hashable {
    /// The history file, as given (for the section's caption).
    public var file: String
    /// Oldest first, this run's records last.
    public var records: [HistoryRecord]
    /// Why the history could not be appended to or read, if it could not.
    public var problem: String?

    public init(file: String, records: [HistoryRecord] = [], problem: String? = nil) {
        self.file = file
        self.records = records
        self.problem = problem
    }
}


extension ReportHistory {
    /// A copy with every name and message passed through the redactor.
    func redacted(by redactor: Redactor) -> ReportHistory {
        var copy = self
        copy.file = redactor.redact(file)
        copy.problem = problem.map(redactor.redact)
        copy.records = records.map { $0.redacted(by: redactor) }
        return copy
    }
}

extension HistoryRecord {
    /// A copy with the scenario's and the figures' names passed through the redactor.
    func redacted(by redactor: Redactor) -> HistoryRecord {
        var copy = self
        copy.scenario = redactor.redact(scenario)
        copy.figures = figures.map { figure in
            var f = figure
            f.name = redactor.redact(figure.name)
            return f
        }
        return copy
    }
}
