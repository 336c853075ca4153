import ClusterProviders
import Foundation
import LabrunCore

/// Runs a provider's service-URL command (`minikube service NAME --url`) in the background and
/// reads the URLs it prints. Where the node is routable it prints the node's address and exits;
/// with Docker Desktop (macOS, Windows) and rootless Docker it opens an SSH tunnel, prints
/// `http://127.0.0.1:PORT` and keeps running ("the terminal needs to be open") — so the process is
/// registered with `cleanup` and stopped when the caller is done.
public struct ServiceURLOpener: Sendable {
    public let runner: any ProcessRunner
    public let clock: any LabClock
    /// Where the command's output is written while it runs.
    public let logDirectory: String

    public init(runner: any ProcessRunner, clock: any LabClock, logDirectory: String = NSTemporaryDirectory()) {
        self.runner = runner
        self.clock = clock
        self.logDirectory = logDirectory
    }

    /// Starts `command`, waits for the URL at position `index` among those it prints, and returns its
    /// host and port.
    public func open(_ command: Command, index: Int, what: String, cleanup: CleanupStack,
                     timeout: Double = 120) async throws -> (host: String, port: Int) {
        let log = logDirectory + "/labrun-service-\(UUID().uuidString.prefix(8)).log"
        let process = try await runner.start(command, logPath: log)
        cleanup.register("stop `\(command)`") {
            await process.stop(grace: 3)
            try? FileManager.default.removeItem(atPath: log)
        }
        return try await Wait(timeout: timeout, interval: 0.25, clock: clock).until("`\(command)` to print the URL of \(what)") {
            () async throws -> Poll<(host: String, port: Int)> in
            let text = (try? String(contentsOfFile: log, encoding: .utf8)) ?? ""
            let urls = Self.urls(in: text)
            if urls.count > index, let address = Self.hostAndPort(urls[index]) { return .done(address) }
            guard await process.isRunning() else {
                let tail = text.split(whereSeparator: \.isNewline).suffix(8).joined(separator: "\n    ")
                throw LabrunError(id: ErrorID.accessFailed, exitCode: ExitCode.external,
                                  message: "`\(command)` exited without printing a URL for \(what)"
                                    + (tail.isEmpty ? "." : ":\n    " + tail),
                                  advice: "Run the command by hand to see why, or choose another --access.")
            }
            return .pending(urls.isEmpty ? "no URL yet" : "\(urls.count) URL(s), want #\(index + 1)")
        }
    }

    /// Every `http://…` or `https://…` URL in `text`, in order (minikube prints them one a line, or
    /// inside a table in older versions).
    public static func urls(in text: String) -> [String] {
        var found: [String] = []
        for line in text.split(whereSeparator: \.isNewline) {
            for word in line.split(whereSeparator: { $0 == " " || $0 == "|" || $0 == "\t" }) {
                let candidate = String(word)
                if candidate.hasPrefix("http://") || candidate.hasPrefix("https://") { found.append(candidate) }
            }
        }
        return found
    }

    /// `http://127.0.0.1:53412` → ("127.0.0.1", 53412).
    public static func hostAndPort(_ url: String) -> (host: String, port: Int)? {
        guard let components = URLComponents(string: url), let host = components.host, let port = components.port else { return nil }
        return (host, port)
    }
}
