import Foundation
import LabrunCore

/// Reads and writes labrun's state file (JSON, written atomically, mode 0600).
///
/// Several runs may change it at once (`labrun all --parallel`, two terminals): each write goes
/// through a temporary file of its own, and `update` holds an exclusive lock (`flock` on
/// `<path>.lock`) from its read to its write, so no change overwrites another.
public struct StateStore: Sendable {
    public let path: String

    public init(path: String) { self.path = path }

    public init(layout: ProjectLayout) { self.init(path: layout.stateFile) }

    /// The saved state, or an empty one when the file does not exist yet.
    public func load() throws -> LabrunState {
        guard FileManager.default.fileExists(atPath: path) else { return LabrunState() }
        do {
            let data = try Data(contentsOf: URL(fileURLWithPath: path))
            let decoder = JSONDecoder()
            decoder.dateDecodingStrategy = .iso8601
            return try decoder.decode(LabrunState.self, from: data)
        } catch {
            throw LabrunError(
                id: ErrorID.stateUnreadable, exitCode: ExitCode.invalidInput,
                message: "labrun's state file \(path) could not be read: \(error.localizedDescription).",
                advice: "Check what it holds; delete it if it is damaged (labrun then assumes it started nothing).")
        }
    }

    public func save(_ state: LabrunState) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        encoder.dateEncodingStrategy = .iso8601
        let data = try encoder.encode(state)
        let directory = (path as NSString).deletingLastPathComponent
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            let tmp = path + ".tmp-\(getpid())-\(UUID().uuidString.prefix(8))"
            guard FileManager.default.createFile(atPath: tmp, contents: data, attributes: [.posixPermissions: 0o600]) else {
                throw CocoaError(.fileWriteUnknown)
            }
            guard rename(tmp, path) == 0 else {
                let reason = String(cString: strerror(errno))
                unlink(tmp)
                throw LabrunError(id: ErrorID.stateUnwritable, exitCode: ExitCode.external,
                                  message: "labrun could not write its state file \(path): \(reason).",
                                  advice: "Make \(directory) writable, or point LABRUN_STATE_DIR at a writable directory.")
            }
        } catch let error as LabrunError {
            throw error
        } catch {
            throw LabrunError(
                id: ErrorID.stateUnwritable, exitCode: ExitCode.external,
                message: "labrun could not write its state file \(path): \(error.localizedDescription).",
                advice: "Make \(directory) writable, or point LABRUN_STATE_DIR at a writable directory.")
        }
    }

    /// Loads, changes and saves the state in one step.
    @discardableResult
    public func update<T>(_ change: (inout LabrunState) throws -> T) throws -> T {
        let directory = (path as NSString).deletingLastPathComponent
        try? FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let lock = open(path + ".lock", O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        if lock >= 0 {
            // flock locks belong to the open file: two updates in one process exclude each other too.
            while flock(lock, LOCK_EX) != 0 && errno == EINTR {}
        }
        defer { if lock >= 0 { close(lock) } }
        var state = try load()
        let value = try change(&state)
        try save(state)
        return value
    }
}
