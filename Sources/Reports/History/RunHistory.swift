import Foundation
import LabrunCore
import ScenarioModel

/// The run history: one JSON line per scenario and invocation (`HistoryRecord`), appended after
/// every `labrun run` / `labrun all`, read by `labrun compare` and the HTML report's history section.
///
/// The file is `history.jsonl` in the report directory by default (`--history FILE` elsewhere, e.g.
/// a CI cache). It stays bounded: once it passes `trimAt` bytes, an append keeps only the newest
/// whole lines within `keepAfterTrim`. Reading is bounded too: lines longer than `maxLineBytes` are
/// refused, and of a file larger than `maxReadBytes` only the newest part is read. A line that is not
/// a record (edited by hand, cut by a full disk, from a newer labrun) is refused with its file and
/// line — labrun never guesses or skips a line silently.
///
/// Named baselines are copies of the newest record of each scenario at the time they were saved, in
/// `baselines/<name>.jsonl` next to the history file (`labrun baseline save NAME`).
public struct RunHistory: Sendable {
    public static let fileName = "history.jsonl"
    public static let maxLineBytes = 64 << 10
    public static let trimAt = 2 << 20
    public static let keepAfterTrim = 1 << 20
    public static let maxReadBytes = 8 << 20

    public let file: URL

    public init(file: URL) {
        self.file = file.standardizedFileURL
    }

    /// The history in a report directory: `<directory>/history.jsonl`.
    public init(reportDirectory: URL) {
        self.init(file: reportDirectory.appendingPathComponent(Self.fileName))
    }

    /// Where named baselines are kept: `baselines/` beside the history file.
    public var baselineDirectory: URL { file.deletingLastPathComponent().appendingPathComponent("baselines", isDirectory: true) }

    // MARK: - Append

    /// Appends the records (one line each, names redacted), creating the file and its directory when
    /// missing, then trims the file when it has grown past `trimAt`.
    public func append(_ records: [HistoryRecord], redactor: Redactor = .shared) throws {
        guard !records.isEmpty else { return }
        let text = try records.map { try $0.redacted(by: redactor).line() + "\n" }.joined()
        // Like ReportWriter: never write through a symbolic link planted at the history's name.
        if (try? FileManager.default.destinationOfSymbolicLink(atPath: file.path)) != nil {
            throw LabrunError(id: ErrorID.historyWrite, exitCode: ExitCode.invalidInput,
                              message: "The run history \(file.path) is a symbolic link; labrun does not write through one.",
                              advice: "Remove the link, or give the real file with --history.")
        }
        do {
            try FileManager.default.createDirectory(at: file.deletingLastPathComponent(), withIntermediateDirectories: true)
            if !FileManager.default.fileExists(atPath: file.path) {
                try Data().write(to: file)
            }
            let handle = try FileHandle(forWritingTo: file)
            defer { try? handle.close() }
            try handle.seekToEnd()
            try handle.write(contentsOf: Data(text.utf8))
            let size = try handle.offset()
            if size > UInt64(Self.trimAt) { try trim() }
        } catch let error as LabrunError {
            throw error
        } catch {
            throw LabrunError(id: ErrorID.historyWrite, message: "Could not append to the run history \(file.path): \(Self.reason(error)).",
                              advice: "Check the free space and permissions there, or give another file with --history.")
        }
    }

    /// Keeps the newest whole lines within `keepAfterTrim` bytes (written atomically).
    private func trim() throws {
        let data = try Data(contentsOf: file)
        guard data.count > Self.keepAfterTrim else { return }
        var tail = data.suffix(Self.keepAfterTrim)
        if let newline = tail.firstIndex(of: UInt8(ascii: "\n")) { tail = tail[(newline + 1)...] }
        try Data(tail).write(to: file, options: .atomic)
    }

    // MARK: - Read

    /// Every record, oldest first (only the newest `maxReadBytes` of a larger file); none when the
    /// file does not exist. Throws `HISTORY_CORRUPT` naming the first line that is not a record.
    public func read() throws -> [HistoryRecord] {
        guard FileManager.default.fileExists(atPath: file.path) else { return [] }
        let data: Data
        var partial = false
        do {
            let handle = try FileHandle(forReadingFrom: file)
            defer { try? handle.close() }
            let size = try handle.seekToEnd()
            let start = size > UInt64(Self.maxReadBytes) ? size - UInt64(Self.maxReadBytes) : 0
            partial = start > 0
            try handle.seek(toOffset: start)
            data = try handle.readToEnd() ?? Data()
        } catch {
            throw LabrunError(id: ErrorID.historyCorrupt, exitCode: ExitCode.invalidInput,
                              message: "Could not read the run history \(file.path): \(Self.reason(error)).",
                              advice: "Check its permissions, or give another file with --history.")
        }
        var body = data[...]
        if partial, let newline = body.firstIndex(of: UInt8(ascii: "\n")) { body = body[(newline + 1)...] }
        return try Self.parse(body, source: file.path + (partial ? " (its newest \(Self.maxReadBytes >> 20) MiB)" : ""))
    }

    /// Parses history lines; `source` names them in errors. Blank lines are allowed.
    static func parse(_ data: Data.SubSequence, source: String) throws -> [HistoryRecord] {
        var records: [HistoryRecord] = []
        for (index, rawLine) in data.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false).enumerated() {
            let number = index + 1
            guard rawLine.count <= Self.maxLineBytes else {
                throw corrupt(source, number, "the line is \(rawLine.count) bytes long, more than the \(Self.maxLineBytes >> 10) KiB a record may have")
            }
            guard let line = String(bytes: rawLine, encoding: .utf8) else { throw corrupt(source, number, "not UTF-8 text") }
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            if trimmed.isEmpty { continue }
            switch HistoryRecord.parse(Substring(trimmed)) {
            case .success(let record): records.append(record)
            case .failure(let problem): throw corrupt(source, number, problem.text)
            }
        }
        return records
    }

    private static func corrupt(_ source: String, _ line: Int, _ problem: String) -> LabrunError {
        LabrunError(id: ErrorID.historyCorrupt, exitCode: ExitCode.invalidInput,
                    message: "\(source):\(line): not a labrun history record: \(problem).",
                    advice: "Each line is one JSON record written by labrun (see README, \"History and baselines\"); "
                        + "delete or fix that line, or start a new history with --history.")
    }

    // MARK: - Baselines

    /// The newest record of each scenario, in the order the scenarios first appear.
    public static func latest(_ records: [HistoryRecord]) -> [HistoryRecord] {
        var order: [String] = []
        var newest: [String: HistoryRecord] = [:]
        for record in records {
            if newest[record.scenario] == nil { order.append(record.scenario) }
            newest[record.scenario] = record
        }
        return order.compactMap { newest[$0] }
    }

    /// Saves the newest record of each scenario as baseline `name` (replacing one of that name); returns them.
    @discardableResult
    public func saveBaseline(_ name: String) throws -> [HistoryRecord] {
        try Self.checkBaselineName(name)
        let records = Self.latest(try read())
        guard !records.isEmpty else {
            throw LabrunError(id: ErrorID.historyEmpty, exitCode: ExitCode.usage,
                              message: "The run history \(file.path) holds no run to save as baseline \"\(name)\".",
                              advice: "Run scenarios first (`labrun run NAME` or `labrun all`), then save the baseline.")
        }
        let url = baselineDirectory.appendingPathComponent(name + ".jsonl")
        do {
            try FileManager.default.createDirectory(at: baselineDirectory, withIntermediateDirectories: true)
            try Data(try records.map { try $0.line() + "\n" }.joined().utf8).write(to: url, options: .atomic)
        } catch let error as LabrunError {
            throw error
        } catch {
            throw LabrunError(id: ErrorID.historyWrite, message: "Could not save baseline \"\(name)\" to \(url.path): \(Self.reason(error)).",
                              advice: "Check the free space and permissions there.")
        }
        return records
    }

    /// The records of baseline `name`.
    public func baseline(_ name: String) throws -> [HistoryRecord] {
        try Self.checkBaselineName(name)
        let url = baselineDirectory.appendingPathComponent(name + ".jsonl")
        guard let data = FileManager.default.contents(atPath: url.path) else {
            let known = baselineNames()
            throw LabrunError(id: ErrorID.historyNoBaseline, exitCode: ExitCode.usage,
                              message: "There is no baseline \"\(name)\" in \(baselineDirectory.path)"
                                + (known.isEmpty ? "." : "; saved baselines: " + known.joined(separator: ", ") + "."),
                              advice: "Save one with `labrun baseline save \(name)` after a run you want to compare against.")
        }
        guard data.count <= Self.maxReadBytes else {
            throw LabrunError(id: ErrorID.historyCorrupt, exitCode: ExitCode.invalidInput,
                              message: "Baseline \(url.path) is \(data.count >> 20) MiB, more than labrun ever writes.",
                              advice: "Save it again with `labrun baseline save \(name)`.")
        }
        return try Self.parse(data[...], source: url.path)
    }

    /// The names of the saved baselines, sorted.
    public func baselineNames() -> [String] {
        let files = (try? FileManager.default.contentsOfDirectory(atPath: baselineDirectory.path)) ?? []
        return files.filter { $0.hasSuffix(".jsonl") }.map { String($0.dropLast(6)) }.sorted()
    }

    /// A baseline name: letters, digits, `.`, `_`, `-`, at most 64 characters, not starting with `.`.
    public static func checkBaselineName(_ name: String) throws {
        let allowed = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-")
        guard !name.isEmpty, name.count <= 64, !name.hasPrefix("."), name.allSatisfy(allowed.contains) else {
            throw LabrunError(id: ErrorID.historyNoBaseline, exitCode: ExitCode.usage,
                              message: "\"\(name)\" is not a baseline name.",
                              advice: "Use letters, digits, '.', '_' and '-' (at most 64, not starting with '.'), e.g. v1.2 or before-upgrade.")
        }
    }

    private static func reason(_ error: any Error) -> String { (error as NSError).localizedDescription }
}
